"""The migration on the 2016 talk's slide "DDL and Migrations", quoted as the slide shows it.

Roland van Laar, "High Available Django Setup", June 2016: the slide's code block in
index.html of https://github.com/rvanlaar/Django-HA-presentation, character for character.

The slide shows only `operations`: the two imports are ours, so that the names resolve
for ruff; the Migration class, its dependencies and the app's models were never shown.
Chapter 3 includes the section below and explains its five statements. Nothing runs it:
EduWorld's tables, its column `preferences` and its migrations are of today.
"""

import jsonfield.fields
from django.db import migrations

# --8<-- [start:talk-2016]
operations = [
  migrations.RunSQL(
    """
    ALTER TABLE "backend_user" ADD COLUMN "voorkeuren" text;
    ALTER TABLE "backend_user" ALTER COLUMN "voorkeuren" SET DEFAULT '""';
    UPDATE "backend_user" SET "voorkeuren" = DEFAULT;
    ALTER TABLE "backend_user" ALTER COLUMN "voorkeuren" SET NOT NULL;
    ALTER TABLE "backend_user" ALTER COLUMN "voorkeuren" DROP DEFAULT;
    """,
    state_operations=[
        migrations.AddField(
            model_name='user',
            name='voorkeuren',
            field=jsonfield.fields.JSONField(default=''),
            preserve_default=False,)])]
# --8<-- [end:talk-2016]
