import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import connection, models, transaction
from django.db.models import F, Func, Q
from treebeard.exceptions import InvalidMoveToDescendant, PathOverflow
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet, nodes_deleted


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
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('curriculum roots'))")

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
# --8<-- [end:node]


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
