
import uuid

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The search document of a node, in one place for the GIN index and for the query.
# IMMUTABLE is true here: the text search configurations are named, not looked up, and
# array_to_string of text is deterministic (PostgreSQL marks it STABLE only for other types).
# --8<-- [start:search-document]
SEARCH_DOCUMENT_SQL = """
CREATE FUNCTION eduworld_search_document(language text, title text, body text, tags text[])
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector(cfg, coalesce(title, '')), 'A')
        || setweight(to_tsvector(cfg, coalesce(array_to_string(tags, ' '), '')), 'B')
        || setweight(to_tsvector(cfg, coalesce(body, '')), 'C')
    FROM (SELECT CASE language WHEN 'nl' THEN 'pg_catalog.dutch'::regconfig
                               ELSE 'pg_catalog.english'::regconfig END AS cfg) AS config
$$;
"""
# --8<-- [end:search-document]


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Node',
            fields=[
                ('path', models.CharField(max_length=255, unique=True)),
                ('depth', models.PositiveIntegerField()),
                ('numchild', models.PositiveIntegerField(default=0)),
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('kind', models.CharField(choices=[('subject', 'Subject'), ('course', 'Course'), ('unit', 'Unit'), ('lesson', 'Lesson')], max_length=10)),
                ('title', models.CharField(max_length=200)),
                ('body', models.TextField(blank=True, default='')),
                ('tags', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=50), blank=True, default=list, size=None)),
                ('language', models.CharField(choices=[('en', 'English'), ('nl', 'Dutch')], default='en', max_length=2)),
                ('published', models.BooleanField(default=False)),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('updated', models.DateTimeField(auto_now=True)),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='nodes', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.RunSQL(SEARCH_DOCUMENT_SQL, "DROP FUNCTION eduworld_search_document"),
        migrations.AddIndex(
            model_name='node',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('language'), models.F('title'), models.F('body'), models.F('tags'), function='eduworld_search_document', output_field=django.contrib.postgres.search.SearchVectorField()), name='node_search'),
        ),
    ]
