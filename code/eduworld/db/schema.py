"""A schema editor that sends every DDL statement through pglogical's replication queue.

pglogical replicates rows, not schema changes. A column added on one host only stops
replication from that host (the other cannot apply rows with an unknown column). Sent
through `pglogical.replicate_ddl_command`, the statement runs here and is queued in the
same WAL stream as the rows, so the other host applies it at exactly the right point:
after every row written before it, before every row written after it.
"""

from django.db.backends.postgresql.schema import DatabaseSchemaEditor

# pglogical runs queued DDL with an empty search_path: name the schema.
PREFIX = "SET LOCAL search_path = public; "


def replication_active(connection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('pglogical.local_node') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return False
        cursor.execute("SELECT EXISTS (SELECT FROM pglogical.local_node)")
        return cursor.fetchone()[0]


# --8<-- [start:replicate]
def replicate(connection, sql):
    """Run one statement here and on the peer, in replication order."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pglogical.replicate_ddl_command(%s, '{ddl_sql}')",
                       [PREFIX + sql])
# --8<-- [end:replicate]


class ReplicatedSchemaEditor(DatabaseSchemaEditor):
    def __enter__(self):
        self.replicated = replication_active(self.connection)
        return super().__enter__()

    # --8<-- [start:execute]
    def execute(self, sql, params=()):
        if not getattr(self, "replicated", False):
            return super().execute(sql, params)
        # Django's PostgreSQL editor binds parameters client-side too: one final string.
        sql = str(sql)
        if params:
            sql = self.connection.ops.compose_sql(sql, params)
        if self.collect_sql:
            return super().execute(sql, None)
        replicate(self.connection, sql)
    # --8<-- [end:execute]

    def create_model(self, model):
        super().create_model(model)
        if getattr(self, "replicated", False) and replicable(model):
            # Join the replication set on both hosts before the table's first row.
            self.execute("SELECT pglogical.replication_set_add_table('default', "
                         f"'public.{model._meta.db_table}', false)")


def replicable(model):
    """The rule the replication role uses: a single UUID or text primary key."""
    return model._meta.pk.get_internal_type() in ("UUIDField", "CharField", "TextField")
