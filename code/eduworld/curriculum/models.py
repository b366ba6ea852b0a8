import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import connection, models, transaction
from django.db.models import F, Func
from treebeard.exceptions import InvalidMoveToDescendant, PathOverflow
from treebeard.mp_tree import MP_Node, MP_NodeManager


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
    1, 3, 5, ... and host2 2, 4, 6, ... Both hosts' nodes keep their place, and sibling
    order is (roughly) creation order. numchild is recomputed by a trigger (migration
    0002) that also fires for replicated rows, so concurrent adds count right.
    """

    def next_path(self, parent):
        lanes, lane = settings.TREE_LANES, settings.TREE_LANE
        siblings = (self.filter(depth=1) if parent is None
                    else self.filter(path__startswith=parent.path, depth=parent.depth + 1))
        last = siblings.order_by("-path").values_list("path", flat=True).first()
        step = self.model._str2int(last[-self.model.steplen:]) + 1 if last else 1
        step += (lane - step) % lanes
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
                          depth=parent.depth + 1 if parent else 1, numchild=0)
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
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('curriculum roots'))")
# --8<-- [end:lanes]


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

    objects = TreeManager()

    class Meta:
        indexes = [GinIndex(search_document(), name="node_search")]
# --8<-- [end:node]

    def __str__(self):
        return f"{self.kind} {self.title}"


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
