from django.db.backends.postgresql import base

from .schema import ReplicatedSchemaEditor


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = ReplicatedSchemaEditor
