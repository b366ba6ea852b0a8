"""The rule of two writable hosts, checked: on a replicated table the primary key is the only
unique rule, unless another one is declared derived or laned (eduworld.core.replicated)."""

import uuid

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, models
from django.test.utils import isolate_apps

from eduworld.core import checks, replicated


def error_ids(errors):
    return sorted(error.id for error in errors)


@pytest.fixture
def isolated():
    """A registry of its own for the models a test defines (app label "core")."""
    with isolate_apps("eduworld.core") as registry:
        yield registry


def check(registry):
    """The check, run on the models of the isolated registry."""
    return checks.check_unique_rules([registry.get_app_config("core")])


def test_the_application_passes_the_check():
    """Every model EduWorld has today keeps the rule: manage.py check passes."""
    assert checks.check_unique_rules() == []
    call_command("check")  # raises SystemCheckError on an error


def test_the_check_sees_the_unique_rules_that_are_declared():
    """The declared rules are really there, and the check lists them."""
    found = {(rule.model._meta.label, rule.name)
             for model in apps.get_models(include_auto_created=True)
             if checks.is_replicated(model) for rule in checks.unique_rules(model)}
    assert found == set(replicated.UNIQUE)
    assert ("accounts.User", "email") in found and ("curriculum.Node", "path") in found


def test_tables_keyed_by_a_sequence_are_replicated_only_if_eduworlds():
    """Django's integer-keyed tables stay local; sessions (a text key) replicate."""
    from django.contrib.auth.models import Permission
    from django.contrib.sessions.models import Session

    assert not checks.is_replicated(ContentType) and not checks.is_replicated(Permission)
    assert checks.is_replicated(Session)
    assert not checks.is_replicated(apps.get_model("accounts", "User_groups"))


def test_an_undeclared_unique_field_fails_the_check(isolated):
    class Badge(models.Model):  # noqa: DJ008
        id = models.UUIDField(primary_key=True, default=uuid.uuid4)
        name = models.CharField(max_length=20, unique=True)

        class Meta:
            app_label = "core"

    errors = check(isolated)
    assert error_ids(errors) == ["eduworld.E001"]
    assert "core.Badge has unique field name" in errors[0].msg


def test_an_undeclared_unique_constraint_fails_even_when_partial(isolated):
    class Ticket(models.Model):  # noqa: DJ008
        id = models.UUIDField(primary_key=True, default=uuid.uuid4)
        code = models.CharField(max_length=6, null=True)  # noqa: DJ001

        class Meta:
            app_label = "core"
            constraints = [models.UniqueConstraint(fields=["code"], name="ticket_code",
                                                   condition=models.Q(code__isnull=False))]

    assert error_ids(check(isolated)) == ["eduworld.E001"]


def test_a_declared_rule_passes(isolated, monkeypatch):
    class Badge(models.Model):  # noqa: DJ008
        id = models.UUIDField(primary_key=True, default=uuid.uuid4)
        name = models.CharField(max_length=20, unique=True)

        class Meta:
            app_label = "core"

    monkeypatch.setitem(replicated.UNIQUE, ("core.Badge", "name"),
                        (replicated.DERIVED, "a test"))
    assert check(isolated) == []


def test_an_integer_key_or_an_implicit_many_to_many_table_fails(isolated):
    class Counter(models.Model):  # noqa: DJ008 (a BigAutoField key: DEFAULT_AUTO_FIELD)
        value = models.IntegerField()

        class Meta:
            app_label = "core"

    class Shelf(models.Model):  # noqa: DJ008
        id = models.UUIDField(primary_key=True, default=uuid.uuid4)
        counters = models.ManyToManyField(Counter)

        class Meta:
            app_label = "core"

    errors = check(isolated)
    # The link table fails twice: its integer key, and its unique pair (shelf, counter).
    assert {(e.id, e.obj._meta.label) for e in errors} == {
        ("eduworld.E002", "core.Counter"), ("eduworld.E002", "core.Shelf_counters"),
        ("eduworld.E001", "core.Shelf_counters")}


def test_a_reference_to_a_local_table_fails(isolated):
    class Tag(models.Model):  # noqa: DJ008
        id = models.UUIDField(primary_key=True, default=uuid.uuid4)
        kind = models.ForeignKey(ContentType, on_delete=models.CASCADE)

        class Meta:
            app_label = "core"

    errors = check(isolated)
    assert error_ids(errors) == ["eduworld.E003"]
    assert "core.Tag.kind refers to contenttypes.ContentType" in errors[0].msg


def test_stale_or_wrong_declarations_fail(monkeypatch):
    monkeypatch.setitem(replicated.UNIQUE, ("boards.Board", "code"),
                        (replicated.LANED, "there is no unique rule on code"))
    monkeypatch.setitem(replicated.UNIQUE, ("accounts.User", "email"), ("unique", ""))
    monkeypatch.setitem(replicated.LOCAL, "replication.Heartbeat", "a text key replicates")
    assert error_ids(checks.check_unique_rules()) == [
        "eduworld.E004", "eduworld.E005", "eduworld.E006"]


def unique_indexes(table):
    """{index name: its columns} of every unique index on the table, but the primary key;
    exclusion constraints too (an expression counts as no column)."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT i.relname, array_remove(array_agg(a.attname ORDER BY k.n), NULL)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
            LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
            WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
              AND (x.indisunique OR EXISTS (SELECT FROM pg_constraint c
                                            WHERE c.conindid = x.indexrelid
                                              AND c.contype = 'x'))
            GROUP BY i.relname""", [table])
        return dict(cursor.fetchall())


@pytest.mark.django_db
def test_every_unique_index_the_migrations_made_is_one_the_check_knows():
    """The check reads the models; the migrations (RunSQL included) made the database. No
    unique index on a replicated table escapes the check."""
    unknown = []
    for model in apps.get_models(include_auto_created=True):
        if not checks.is_replicated(model) or not model._meta.managed:
            continue
        known_names, known_columns = set(), set()
        for rule in checks.unique_rules(model):
            known_names.add(rule.name)
            if rule.what.startswith(("unique field", "unique_together")):
                known_columns.add(tuple(model._meta.get_field(name).column
                                        for name in rule.name.split(",")))
        for index, columns in unique_indexes(model._meta.db_table).items():
            if index not in known_names and tuple(columns) not in known_columns:
                unknown.append(f"{model._meta.db_table}: {index} {columns}")
    assert not unknown, unknown
    assert unique_indexes("accounts_user"), "the introspection found nothing at all"
