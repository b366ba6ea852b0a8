import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Func
from treebeard.mp_tree import MP_Node


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

    class Meta:
        indexes = [GinIndex(search_document(), name="node_search")]
# --8<-- [end:node]

    def __str__(self):
        return f"{self.kind} {self.title}"
