from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import PARENT_KIND, Node, Revision, concurrent_revisions

MAX_TAGS = 20
MAX_BODY = 200_000


class NodeSerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Node.objects.all(), required=False, allow_null=True,
        help_text="The node this one hangs under; null (or absent) for a subject.",
    )
    owner = serializers.EmailField(source="owner.email", read_only=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50, allow_blank=False), max_length=MAX_TAGS,
        required=False,
    )
    body = serializers.CharField(max_length=MAX_BODY, allow_blank=True, required=False,
                                 trim_whitespace=False)

    class Meta:
        model = Node
        fields = ["id", "kind", "title", "body", "tags", "language", "published", "parent",
                  "owner", "depth", "created", "updated", "revision"]
        read_only_fields = ["id", "depth", "created", "updated", "revision"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list):
            # Kind and place are fixed once created; /move/ changes the place.
            fields["kind"].read_only = True
            fields["parent"].read_only = True
        return fields

    def to_representation(self, node):
        data = super().to_representation(node)
        # An orphan (its parent deleted on the other host) has none, until it is repaired.
        parent_id = node.find_parent_id()
        data["parent"] = str(parent_id) if parent_id else None
        return data

    def validate(self, attrs):
        if self.instance is None:
            check_parent(attrs["kind"], attrs.get("parent"), self.context["request"].user)
        return attrs


def check_parent(kind, parent, user):
    """A node must hang under the kind above it, in the teacher's own curriculum."""
    wanted = PARENT_KIND[kind]
    if wanted is None and parent is not None:
        raise serializers.ValidationError({"parent": "A subject is a root: it has no parent."})
    if wanted is not None:
        if parent is None:
            raise serializers.ValidationError({"parent": f"A {kind} needs a {wanted} as parent."})
        if parent.kind != wanted:
            raise serializers.ValidationError(
                {"parent": f"A {kind} hangs under a {wanted}, not under a {parent.kind}."})
        if parent.owner_id != user.id:
            raise serializers.ValidationError(
                {"parent": "You can only add to your own curriculum."})


class RevisionSerializer(serializers.ModelSerializer):
    author = serializers.EmailField(source="author.email", read_only=True)

    class Meta:
        model = Revision
        fields = ["id", "base", "seen", "author", "host", "created", *Revision.CONTENT]
        read_only_fields = fields


class NodeDetailSerializer(NodeSerializer):
    concurrent_revisions = serializers.SerializerMethodField(
        help_text="Saves of this node, made from the same starting point as the content shown "
                  "(usually on the other host during a split), that last-update-wins did not "
                  "keep; listed until the next save. Only its owner sees them.")

    class Meta(NodeSerializer.Meta):
        fields = [*NodeSerializer.Meta.fields, "concurrent_revisions"]

    @extend_schema_field(RevisionSerializer(many=True))
    def get_concurrent_revisions(self, node):
        request = self.context.get("request")
        if request is None or node.owner_id != request.user.id:
            return []
        return RevisionSerializer(concurrent_revisions(node), many=True).data


class NodeUpdateSerializer(NodeDetailSerializer):
    dismissed_revisions = serializers.SerializerMethodField(
        help_text="The concurrent revisions this save dismissed: the node's "
                  "concurrent_revisions just before it. The save records them as seen, so "
                  "they are no longer reported (concurrent_revisions here lists only those "
                  "left after the save).")

    class Meta(NodeDetailSerializer.Meta):
        fields = [*NodeDetailSerializer.Meta.fields, "dismissed_revisions"]

    @extend_schema_field(RevisionSerializer(many=True))
    def get_dismissed_revisions(self, node):
        return RevisionSerializer(self.context.get("dismissed_revisions", []), many=True).data


class MoveSerializer(serializers.Serializer):
    parent = serializers.UUIDField(
        allow_null=True,
        help_text="The node to move under, as its last child (null: a subject becomes a root).")


class SearchResultSerializer(NodeSerializer):
    rank = serializers.FloatField(read_only=True, help_text="Higher is a better match")

    class Meta(NodeSerializer.Meta):
        fields = [*NodeSerializer.Meta.fields, "rank"]
