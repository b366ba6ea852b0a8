from importlib import import_module

from django.db import migrations

# numchild, the number of a node's children, is no longer stored: Node.numchild counts this
# host's rows when it is read, and this migration removes 0002's recount trigger.
#
# 0002 kept the count in the parent's row. On a pair that cannot be right. The count host1
# stores travels to host2 with the row, and last-update-wins lets it replace host2's truer
# count (a lab run ended with both hosts at 29 for 30 children). And every recount rewrites
# the parent's whole row: a recount on host1 before a rename made on host2 has arrived
# brings the old title back on both hosts. (0002 also counted before it waited for the
# parent's row lock, so a replicated insert and a local one could both store a stale count.)
#
# What was weighed:
# - Keep the column but compute it on each host: a BEFORE trigger that sets it from this
#   host's rows, whatever arrives, and a recount kept from replicating (a replication
#   origin for the session). The count would be right, but the recount still writes the
#   parent's row here: that gives this host's copy a newer commit time, last-update-wins
#   (which compares commit times of whole rows) then keeps it over a rename made a moment
#   earlier on the other host, and the hosts differ for good.
# - A table of counts that each host keeps for itself, by an ENABLE ALWAYS trigger: right,
#   but one more thing to keep right: the trigger must lock before it counts, the table must
#   stay out of the replication set (the replication role adds every public table keyed by
#   a UUID or text) and the checksums, and a joining host must fill it.
# - Counting when read: nothing to keep right, on either host. It costs one index range scan
#   when treebeard asks (listing a node's children, deleting a node); EduWorld's lists never
#   show the count. This is the choice.
#
# Expand, then contract (chapter 3): the column stays, so rows written by a host still on
# the previous release keep applying, and gets a database default, since this release no
# longer writes it; nothing reads it. A later release, once both hosts run this one, drops
# it. (Until a host restarts on this release, its old code still reads the column, which is
# no longer kept: a node that gets its first child in those seconds looks childless there.)
# The statements pass through pglogical's queue like any migration here, so both hosts drop
# the trigger at the same point in the stream of rows.
numchild_trigger = import_module(f"{__package__}.0002_numchild_trigger")

FORWARD_SQL = numchild_trigger.UNDO_SQL + """
ALTER TABLE curriculum_node ALTER COLUMN numchild SET DEFAULT 0;
"""

# Back to 0002: the trigger again, and the stored counts made true first.
BACKWARD_SQL = """
ALTER TABLE curriculum_node ALTER COLUMN numchild DROP DEFAULT;
UPDATE curriculum_node p SET numchild = counted.children
FROM (SELECT parent.id, (SELECT count(*) FROM curriculum_node child
                         WHERE child.path LIKE parent.path || '%'
                           AND child.depth = parent.depth + 1) AS children
      FROM curriculum_node parent) counted
WHERE counted.id = p.id AND p.numchild <> counted.children;
""" + numchild_trigger.RECOUNT_SQL


class Migration(migrations.Migration):
    dependencies = [("curriculum", "0003_lesson_note")]
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD_SQL, BACKWARD_SQL)],
            state_operations=[migrations.RemoveField("node", "numchild")],
        ),
    ]
