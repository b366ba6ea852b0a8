import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import connection, models, transaction
from django.db.models import F, Func, Q
from treebeard.exceptions import InvalidMoveToDescendant, PathOverflow
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet, nodes_deleted

from eduworld.core import lanes
from eduworld.db.locks import xact_lock


class Kind(models.TextChoices):
    SUBJECT = "subject"
    COURSE = "course"
    UNIT = "unit"
    LESSON = "lesson"


# What each kind hangs under: the curriculum is always subject > course > unit > lesson.
PARENT_KIND = {Kind.SUBJECT: None, Kind.COURSE: Kind.SUBJECT, Kind.UNIT: Kind.COURSE,
               Kind.LESSON: Kind.UNIT}


class Language(models.TextChoices):
    ENGLISH = "en"
    DUTCH = "nl"


def search_document():
    """The weighted tsvector of a node: title (A), tags (B), body (C), stemmed per language.

    One SQL function (migration 0001) builds it, so the GIN index and the search query use
    the very same expression, and the planner can use the index.
    """
    return Func(
        F("language"), F("title"), F("body"), F("tags"),
        function="eduworld_search_document", output_field=SearchVectorField(),
    )


# --8<-- [start:lanes]
class TreeManager(MP_NodeManager):
    """Tree writes that two hosts can make at the same moment without colliding.

    treebeard computes a new node's path in Python from its siblings. On two hosts that
    write at once, both pick the same next path; path is unique, pglogical resolves the
    clash by overwriting one row with the other, and a node is silently lost. So each
    host allocates path steps in its own lane: with two hosts, host1 numbers children
    2, 4, 6, ... and host2 1, 3, 5, ... Both hosts' nodes keep their place, and sibling
    order is (roughly) creation order.

    treebeard also keeps each node's number of children (numchild) in the node's row. Here
    nothing stores it: Node.numchild counts this host's rows when read (migration 0004).
    A stored count travels to the other host, where last-update-wins can put it over a
    truer one, and writing it rewrites the parent's whole row, which can undo a rename made
    on the other host. So adding, moving or deleting a node never writes its parent's row,
    and treebeard's own numchild writes are switched off below.
    """

    def next_path(self, parent):
        siblings = (self.filter(depth=1) if parent is None
                    else self.filter(path__startswith=parent.path, depth=parent.depth + 1))
        last = siblings.order_by("-path").values_list("path", flat=True).first()
        step = lanes.next_in_lane(
            self.model._str2int(last[-self.model.steplen:]) + 1 if last else 1)
        path = self.model._get_path(parent.path if parent else None,
                                    parent.depth + 1 if parent else 1, step)
        if len(path) > self.model._meta.get_field("path").max_length or \
                len(self.model._int2str(step)) > self.model.steplen:
            raise PathOverflow("No room for another node here.")
        return path

    @transaction.atomic
    def add_node(self, parent, fields):
        self.lock(parent)
        node = self.model(**fields, path=self.next_path(parent),
                          depth=parent.depth + 1 if parent else 1)
        node.save()
        return node

    @transaction.atomic
    def move_under(self, node, parent):
        """Move node, with its subtree, to the end of parent's children (or of the roots)."""
        self.lock(parent)
        node.refresh_from_db()
        if parent is not None:
            parent.refresh_from_db()
            if parent.path.startswith(node.path):
                raise InvalidMoveToDescendant("A node cannot move under its own descendant.")
        new_path = self.next_path(parent)
        depth_change = (parent.depth + 1 if parent else 1) - node.depth
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {self.model._meta.db_table} SET path = %s || substr(path, %s), "
                "depth = depth + %s WHERE path LIKE %s",
                [new_path, len(node.path) + 1, depth_change, node.path + "%"])
        node.refresh_from_db()
        return node

    def lock(self, parent):
        # One writer at a time per parent on this host (the other host has its own lane).
        if parent is not None:
            self.model.objects.select_for_update().filter(pk=parent.pk).first()
        else:
            xact_lock("curriculum roots")

    def get_queryset(self):
        return NodeQuerySet(self.model, using=self._db).order_by("path")

    # treebeard keeps numchild up to date with these; nothing stores it here.
    def _increment_numchild(self, path):
        pass

    def _decrement_numchild(self, path):
        pass

    def _fix_numchild(self, qs):
        pass

    def add_child(self, target, create_kwargs=None, *, instance=None):
        # treebeard's add_child numbers outside the lanes and increments the stored count.
        raise NotImplementedError("Use Node.objects.add_node(parent, fields): it numbers the "
                                  "new node in this host's lane.")
# --8<-- [end:lanes]


class NodeQuerySet(MP_NodeQuerySet):
    @transaction.atomic
    def delete(self, *args, **kwargs):
        """Delete these nodes and everything under them; their parents' rows are not touched.

        treebeard's own delete decrements each parent's stored numchild (and reads it to
        choose how to delete); here no count is stored.
        """
        tops = []  # the nodes not under another one being deleted (sorted: parents first)
        for path in sorted(self.order_by().values_list("path", flat=True)):
            if not tops or not path.startswith(tops[-1]):
                tops.append(path)
        if not tops:
            return 0, {}
        subtrees = Q()
        for path in tops:
            subtrees |= Q(path__startswith=path)
        model = self.model
        count, deleted = super(MP_NodeQuerySet, model.objects.filter(subtrees)).delete(
            *args, **kwargs)
        if count:
            nodes_deleted.send(sender=model, pks_to_remove=[], paths_to_remove=tops,
                               using=self.db)
        return count, deleted

    delete.alters_data = True
    delete.queryset_only = True


# --8<-- [start:node]
class Node(MP_Node):
    """One place in the curriculum tree. treebeard's materialised path keeps the order."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    published = models.BooleanField(default=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="nodes")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    # The Revision this row's content was saved as (None for nodes no teacher has saved
    # through the API). Not a foreign key: it travels in the same row as the content it names.
    revision = models.UUIDField(null=True, blank=True, editable=False)

    objects = TreeManager()

    class Meta:
        indexes = [GinIndex(search_document(), name="node_search")]

    def __str__(self):
        return f"{self.kind} {self.title}"

    # numchild is counted on this host when read, never stored (TreeManager; migration 0004).
    # treebeard's is_leaf, get_children_count, get_children and find_problems read it.
    def _children(self):
        if not self.path:
            return type(self).objects.none()
        return type(self).objects.filter(
            depth=self.depth + 1, path__range=self._get_children_path_interval(self.path))

    @property
    def numchild(self):
        return self._children().count()

    @numchild.setter
    def numchild(self, value):
        pass  # treebeard assigns it after its own writes: the count is read, not kept

    def is_leaf(self):
        return not self._children().exists()

    def find_parent_id(self):
        """The id of the node this one hangs under; None for a root, and for an orphan (its
        parent was deleted on one host while this node was added on the other)."""
        if self.depth <= 1:
            return None
        return (type(self).objects.filter(path=self.path[:-self.steplen])
                .values_list("id", flat=True).first())
# --8<-- [end:node]


# --8<-- [start:revision]
class Revision(models.Model):
    """One save of a node's content through the API: its own row, never changed afterwards.

    Last-update-wins keeps one whole node row when two hosts changed it at once; the
    revision rows of both saves stay, so the earlier edit can still be read. `base` is the
    revision the save started from (the node's on this host); `seen` lists the concurrent
    revisions the node reported when this save was made (see concurrent_revisions).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="revisions")
    base = models.UUIDField(null=True, blank=True)
    seen = ArrayField(models.UUIDField(), default=list, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    host = models.CharField(max_length=100)
    created = models.DateTimeField(auto_now_add=True)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    language = models.CharField(max_length=2, choices=Language.choices)
    published = models.BooleanField()

    CONTENT = ("title", "body", "tags", "language", "published")

    def __str__(self):
        return f"{self.title} ({self.host}, {self.created:%Y-%m-%d %H:%M})"
# --8<-- [end:revision]


# --8<-- [start:record-revision]
def record_revision(node, author, *, created=False, seen=()):
    """Keep the content node was just saved with as a new revision, and make it the node's.

    Called in the transaction of the save. `seen`: the node's concurrent revisions, taken
    before the save (they stop being reported). The first revision takes its id from the
    node's, so a create retried on the other host (same node id) leaves one revision, not two.
    """
    revision = Revision.objects.create(
        id=uuid.uuid5(uuid.UUID(str(node.id)), "created") if created else uuid.uuid4(),
        node=node, base=node.revision, author=author, host=settings.HOST_NAME,
        seen=[r.id for r in seen],
        **{field: getattr(node, field) for field in Revision.CONTENT})
    Node.objects.filter(pk=node.pk).update(revision=revision.id)
    node.revision = revision.id
    return revision


def concurrent_revisions(node):
    """The saves of node's content that the node's current content does not follow from.

    On one host a node's revisions form a line: every one but the newest is the base of the
    next. When both hosts save from the same base, the line forks, last-update-wins keeps
    one branch in the node's row, and the newest revision of the other branch is based on by
    nobody. Those are listed, until a later save reports them as seen.
    """
    rows = list(node.revisions.values_list("id", "base", "seen"))
    followed = {base for _, base, _ in rows} | {s for _, _, seen in rows for s in seen}
    return list(node.revisions.filter(pk__in=[pk for pk, _, _ in rows
                                              if pk != node.revision and pk not in followed])
                .order_by("created", "id"))
# --8<-- [end:record-revision]


class LessonNote(models.Model):
    """A teacher's own note on a lesson (chapter 3's example of a table added to a live pair:
    it must replicate both ways from its very first row)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    text = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.text[:50]
