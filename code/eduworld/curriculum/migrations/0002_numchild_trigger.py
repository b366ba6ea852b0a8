from django.db import migrations

# treebeard keeps a count of each node's children (numchild). Two hosts that add children to
# one parent at the same time would each write "numchild + 1", and last-update-wins would
# keep one of them. This trigger recounts the parent's children instead, and it fires for
# rows that replication applies too (ENABLE ALWAYS), so both hosts end with the true count.
# It writes only when the count is wrong, so the recount itself does not bounce back and forth.
# SECURITY DEFINER: rows applied by replication arrive as the replication user, who may not
# update the table; the recount runs as the table's owner.
RECOUNT_SQL = """
CREATE FUNCTION curriculum_recount_children(parent_path text, parent_depth int)
RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    UPDATE curriculum_node p
    SET numchild = c.count
    FROM (SELECT count(*) AS count FROM curriculum_node
          WHERE path LIKE parent_path || '%' AND depth = parent_depth + 1) c
    WHERE p.path = parent_path AND p.numchild IS DISTINCT FROM c.count
$$;

CREATE FUNCTION curriculum_node_recount() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.depth > 1 THEN
        PERFORM curriculum_recount_children(left(OLD.path, -4), OLD.depth - 1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.depth > 1 THEN
        PERFORM curriculum_recount_children(left(NEW.path, -4), NEW.depth - 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER curriculum_node_recount
AFTER INSERT OR DELETE OR UPDATE OF path ON curriculum_node
FOR EACH ROW EXECUTE FUNCTION curriculum_node_recount();
ALTER TABLE curriculum_node ENABLE ALWAYS TRIGGER curriculum_node_recount;
"""

UNDO_SQL = """
DROP TRIGGER curriculum_node_recount ON curriculum_node;
DROP FUNCTION curriculum_node_recount();
DROP FUNCTION curriculum_recount_children(text, int);
"""


class Migration(migrations.Migration):
    dependencies = [("curriculum", "0001_initial")]
    operations = [migrations.RunSQL(RECOUNT_SQL, UNDO_SQL)]
