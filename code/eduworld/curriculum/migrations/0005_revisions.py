import uuid

import django.contrib.postgres.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Revisions: every save of a node's content through the API is kept as its own row, so the
# edit that last-update-wins did not keep in the node's row can still be read (chapter 2).
# Expand only: a nullable column and a new table (it joins the replication set on both hosts
# before its first row; eduworld.db.schema). A host still on the previous release saves
# without a revision, and its node rows keep the revision id they had.


class Migration(migrations.Migration):

    dependencies = [
        ('curriculum', '0004_numchild_counted_on_read'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='node',
            name='revision',
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.CreateModel(
            name='Revision',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('base', models.UUIDField(blank=True, null=True)),
                ('seen', django.contrib.postgres.fields.ArrayField(base_field=models.UUIDField(), blank=True, default=list, size=None)),
                ('host', models.CharField(max_length=100)),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('title', models.CharField(max_length=200)),
                ('body', models.TextField(blank=True, default='')),
                ('tags', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=50), blank=True, default=list, size=None)),
                ('language', models.CharField(choices=[('en', 'English'), ('nl', 'Dutch')], max_length=2)),
                ('published', models.BooleanField()),
                ('author', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('node', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='revisions', to='curriculum.node')),
            ],
        ),
    ]
