import uuid

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from treebeard.exceptions import InvalidMoveToDescendant

from eduworld.core.idempotency import new_id

from .models import PARENT_KIND, Node, concurrent_revisions, record_revision, search_document
from .serializers import (
    MoveSerializer,
    NodeDetailSerializer,
    NodeSerializer,
    NodeUpdateSerializer,
    RevisionSerializer,
    SearchResultSerializer,
    check_parent,
)


class IsOwnerOrReadOnly(permissions.BasePermission):
    message = "Only the teacher who owns this curriculum can change it."

    def has_object_permission(self, request, view, obj):
        return request.method in permissions.SAFE_METHODS or obj.owner_id == request.user.id


# --8<-- [start:visible]
def visible_nodes(user):
    """A teacher sees their own curriculum and everything anyone has published."""
    return Node.objects.filter(Q(owner=user) | Q(published=True)).select_related("owner")
# --8<-- [end:visible]


class NodeViewSet(viewsets.ModelViewSet):
    serializer_class = NodeSerializer
    permission_classes = [permissions.IsAuthenticated, IsOwnerOrReadOnly]
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    @extend_schema(parameters=[
        OpenApiParameter("parent", OpenApiTypes.UUID, description="Only this node's children"),
        OpenApiParameter("kind", str, enum=[k for k in PARENT_KIND]),
    ])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return NodeUpdateSerializer
        if self.action == "retrieve":
            return NodeDetailSerializer
        return NodeSerializer

    def get_queryset(self):
        nodes = visible_nodes(self.request.user).order_by("path")
        if self.action in ("update", "partial_update"):
            # Saves of one node on this host take turns, so each revision's base is the one
            # it replaced (the other host saves on its own: that is what revisions show).
            nodes = nodes.select_for_update(of=("self",))
        if self.action == "list":
            kind = self.request.query_params.get("kind")
            if kind:
                if kind not in PARENT_KIND:
                    raise exceptions.ValidationError({"kind": f"Unknown kind {kind!r}."})
                nodes = nodes.filter(kind=kind)
            parent_id = self.request.query_params.get("parent")
            if parent_id:
                nodes = nodes.filter(pk__in=Node.objects.get_children(self.get_parent(parent_id)))
        return nodes

    def get_parent(self, parent_id):
        try:
            return visible_nodes(self.request.user).get(pk=uuid.UUID(parent_id))
        except (ValueError, Node.DoesNotExist) as err:
            raise exceptions.NotFound("No such parent node.") from err

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        parent = data.pop("parent", None)
        data["owner"] = self.request.user
        data["id"] = new_id(self.request)  # a retry on the other host makes the same node
        serializer.instance = Node.objects.add_node(parent, data)
        record_revision(serializer.instance, self.request.user, created=True)

    def perform_update(self, serializer):
        # Taken before the save, which records them as seen: the answer shows them as
        # dismissed_revisions (its concurrent_revisions are those left after the save).
        dismissed = concurrent_revisions(serializer.instance)
        serializer.context["dismissed_revisions"] = dismissed
        record_revision(serializer.save(), self.request.user, seen=dismissed)

    def perform_destroy(self, node):
        node.delete()  # treebeard deletes the whole subtree

    @extend_schema(responses=NodeSerializer(many=True))
    @action(detail=True, methods=["get"])
    def children(self, request, pk=None):
        node = self.get_object()
        page = self.paginate_queryset(
            visible_nodes(request.user).filter(pk__in=Node.objects.get_children(node)).order_by("path"))
        return self.get_paginated_response(NodeSerializer(page, many=True).data)

    @extend_schema(responses=RevisionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def revisions(self, request, pk=None):
        """Every saved version of this node's content, newest first (its owner only)."""
        node = self.get_object()
        if node.owner_id != request.user.id:
            raise exceptions.PermissionDenied("Only the node's owner sees its revisions.")
        page = self.paginate_queryset(
            node.revisions.select_related("author").order_by("-created", "-id"))
        return self.get_paginated_response(RevisionSerializer(page, many=True).data)

    @extend_schema(request=MoveSerializer, responses=NodeSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move a node, with everything under it, to the end of another node's children."""
        node = self.get_object()
        form = MoveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        parent = None
        if form.validated_data["parent"] is not None:
            parent = visible_nodes(request.user).filter(pk=form.validated_data["parent"]).first()
            if parent is None:
                raise exceptions.ValidationError({"parent": "No such node."})
            if parent.pk == node.pk:
                raise exceptions.ValidationError({"parent": "A node cannot move under itself."})
        check_parent(node.kind, parent, request.user)
        try:
            Node.objects.move_under(node, parent)
        except InvalidMoveToDescendant as err:
            raise exceptions.ValidationError(
                {"parent": "A node cannot move under its own descendant."}) from err
        return Response(NodeSerializer(Node.objects.get(pk=node.pk)).data)


class SearchView(ListAPIView):
    """Full-text search over title, tags and body, best match first (English and Dutch)."""

    serializer_class = SearchResultSerializer

    @extend_schema(parameters=[OpenApiParameter("q", str, required=True,
                                                description="Words to look for")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        text = self.request.query_params.get("q", "").strip()
        if not text:
            raise exceptions.ValidationError({"q": "Say what to look for: ?q=words"})
        if len(text) > 200:
            raise exceptions.ValidationError({"q": "At most 200 characters."})
        # Stem the query both ways: a Dutch lesson matches Dutch stems, an English one English.
        query = (SearchQuery(text, config="english", search_type="websearch")
                 | SearchQuery(text, config="dutch", search_type="websearch"))
        return (visible_nodes(self.request.user)
                .annotate(document=search_document())
                .filter(document=query)
                .annotate(rank=SearchRank(search_document(), query))
                .order_by("-rank", "path"))
