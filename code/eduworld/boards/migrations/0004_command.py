# The commands a remote sends a board, and the trigger that tells the realtime service.

import django.db.models.deletion
from django.db import migrations, models

# --8<-- [start:trigger]
# Every command inserted, on this host or by pglogical applying the peer's, wakes the
# realtime service on this host. pglogical applies rows with session_replication_role =
# replica, where an ordinary trigger stays silent: ENABLE ALWAYS makes it fire there too.
NOTIFY = """
CREATE FUNCTION boards_command_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('board_commands',
                      json_build_object('board', NEW.board_id, 'id', NEW.id)::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER boards_command_notify AFTER INSERT ON boards_command
    FOR EACH ROW EXECUTE FUNCTION boards_command_notify();
ALTER TABLE boards_command ENABLE ALWAYS TRIGGER boards_command_notify;
"""
# --8<-- [end:trigger]

DROP_NOTIFY = """
DROP TRIGGER boards_command_notify ON boards_command;
DROP FUNCTION boards_command_notify();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('boards', '0003_codes_in_lanes'),
    ]

    operations = [
        migrations.CreateModel(
            name='Command',
            fields=[
                ('id', models.UUIDField(editable=False, primary_key=True, serialize=False)),
                ('remote', models.UUIDField()),
                ('seq', models.PositiveIntegerField()),
                ('state', models.JSONField()),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('board', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='commands', to='boards.board')),
            ],
            options={
                'indexes': [models.Index(fields=['board', 'remote', 'seq'], name='board_command_order')],
            },
        ),
        migrations.RunSQL(NOTIFY, reverse_sql=DROP_NOTIFY),
    ]
