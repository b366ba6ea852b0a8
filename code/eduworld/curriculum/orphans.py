"""Orphans: nodes whose parent is gone, and how each host puts them back into the tree.

A node deleted on one host while the other adds a child under it: once both have replicated,
both hold the child, and neither holds the node its path says it hangs under. treebeard
calls that an orphan (find_problems). The API serves orphans (with no parent), and
repair_orphans moves each one, with everything under it, under a "Recovered" node of its
owner, where the teacher finds it. It also deletes the revisions a node deleted on the other
host leaves behind (their node_id names no node).

Both hosts run the repair. Each moves only the orphans whose last path step is in its own
lane, that is, the nodes it gave their place, under Recovered nodes that only it creates
(their ids are derived from the owner and the lane). So no row is ever written by both
hosts' repairs, and there is nothing for last-update-wins to decide between them.
"""

import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Left, Length

from eduworld.core import lanes

from .models import PARENT_KIND, Kind, Node, Revision

RECOVERED_BODY = ("EduWorld put these here: each was added on one host while the node it "
                  "hung under was deleted on the other. Move them where they belong, or "
                  "delete them.")


# --8<-- [start:orphans]
def orphans():
    """Every node whose parent path names no node, in path order."""
    parent = Node.objects.filter(
        path=Left(OuterRef("path"), Length(OuterRef("path")) - Node.steplen))
    return Node.objects.filter(depth__gt=1).exclude(Exists(parent)).select_related("owner")


def in_this_hosts_lane(node):
    """Whether this host gave the node its place (its last path step is in this host's lane)."""
    return lanes.in_lane(Node._str2int(node.path[-Node.steplen:]))


def recovered(owner, kind):
    """This host's Recovered node of this kind for owner, made (with those above it) if missing.

    Its id is derived from the owner and this host's lane: every run finds the same node,
    and the other host's repair never writes it.
    """
    kind = Kind(kind)
    node_id = uuid.uuid5(uuid.UUID(str(owner.pk)),
                         f"recovered/{lanes.lane()}/{kind.value}")
    node = Node.objects.filter(pk=node_id).first()
    if node is None:
        above = PARENT_KIND[kind]
        title = "Recovered" if above else f"Recovered on {settings.HOST_NAME}"
        node = Node.objects.add_node(recovered(owner, above) if above else None, {
            "id": node_id, "kind": kind, "title": title, "owner": owner,
            "body": "" if above else RECOVERED_BODY})
    return node


def orphaned_revisions():
    """Revisions whose node is gone: a save on one host that crossed a delete of its node on
    the other. The delete removes the revisions the deleting host knew of, not that save,
    and replication checks no foreign key: both hosts keep the save's revision."""
    return Revision.objects.exclude(Exists(Node.objects.filter(pk=OuterRef("node_id"))))


def repair_orphans():
    """Delete the revisions whose node is gone, then move each orphan in this host's lane,
    with its subtree, under its owner's Recovered node of the kind above it; returns the
    orphans moved. An orphan nested in another orphan's subtree travels with it and is
    moved on its own afterwards."""
    # Not by lane: both hosts may delete the same revision rows, and that is harmless. A
    # revision is never updated, so no edit can be lost, and the other host's delete of a
    # row already gone here is applied as a delete of nothing (pglogical logs and skips it).
    orphaned_revisions().delete()
    moved = []
    while True:
        orphan = next((node for node in orphans().order_by("path")
                       if in_this_hosts_lane(node) and node.pk not in moved), None)
        if orphan is None:
            return moved
        with transaction.atomic():
            above = PARENT_KIND[orphan.kind]
            parent = recovered(orphan.owner, above) if above else None
            Node.objects.move_under(orphan, parent)
        moved.append(orphan.pk)
# --8<-- [end:orphans]
