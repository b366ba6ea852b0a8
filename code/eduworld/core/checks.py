"""The system check for the rule of two writable hosts: the primary key is the only unique rule.

`manage.py check` (and so `migrate`, `runserver` and the fast tests) runs it. It reads the
models, not a database: the unique rules a migration creates come from the models, and a
fast test compares this list with the unique indexes that the migrations really made.
The declarations it checks against live in eduworld.core.replicated.
"""

from dataclasses import dataclass

from django.apps import apps
from django.contrib.postgres.constraints import ExclusionConstraint
from django.core import checks
from django.db import models

from eduworld.db.schema import replicable

from . import replicated


@dataclass(frozen=True)
class UniqueRule:
    model: type
    name: str  # the constraint's name, or the field names joined by commas
    what: str  # for the messages: "unique field email", "constraint x", ...


# --8<-- [start:check]
def is_replicated(model):
    """Whether the model's table is in the replication set (or is meant to be)."""
    if model._meta.app_config.name.startswith("eduworld."):
        return model._meta.label not in replicated.LOCAL
    return replicable(model)  # Django's own: exactly the tables the replication role adds


def unique_rules(model):
    """Every uniqueness the database enforces on the model's table, but its primary key."""
    for field in model._meta.local_concrete_fields:
        if field.unique and not field.primary_key:
            yield UniqueRule(model, field.name, f"unique field {field.name}")
    for fields in model._meta.unique_together:
        yield UniqueRule(model, ",".join(fields), f"unique_together {fields}")
    for constraint in model._meta.constraints:
        if isinstance(constraint, (models.UniqueConstraint, ExclusionConstraint)):
            yield UniqueRule(model, constraint.name, f"constraint {constraint.name}")


@checks.register(checks.Tags.models)
def check_unique_rules(app_configs=None, **kwargs):
    models_ = [m for m in tables(app_configs) if is_replicated(m)]
    errors = []
    for model in models_:
        label = model._meta.label
        if not replicable(model):
            errors.append(checks.Error(
                f"{label} is an EduWorld model, but its primary key "
                f"({type(model._meta.pk).__name__}) is not a UUID or text: the replication "
                "role leaves its table out, and two hosts' keys would collide if it were in.",
                hint="Give it a UUIDField primary key (a many-to-many field: a through model "
                     "with one), or declare the table each host's own in "
                     "eduworld.core.replicated.LOCAL, with the reason.",
                obj=model, id="eduworld.E002"))
        for rule in unique_rules(model):
            if (label, rule.name) not in replicated.UNIQUE:
                errors.append(checks.Error(
                    f"{label} has {rule.what}: on a replicated table the primary key is the "
                    "only unique rule pglogical can settle; the other host's row that "
                    "matches this one replaces a row with another id, or stops replication.",
                    hint="Derive the primary key from the same value (uuid5) or draw the "
                         "values in per-host lanes, and declare which in "
                         "eduworld.core.replicated.UNIQUE, with the reason; or drop the rule.",
                    obj=model, id="eduworld.E001"))
        for field in model._meta.local_concrete_fields:
            target = field.related_model
            if field.is_relation and target is not None and not is_replicated(target):
                errors.append(checks.Error(
                    f"{label}.{field.name} refers to {target._meta.label}, whose table is each "
                    "host's own: its ids differ from host to host.",
                    obj=model, id="eduworld.E003"))
    return errors + check_declarations(models_, app_configs)
# --8<-- [end:check]


def check_declarations(models_, app_configs):
    """Every declaration names a rule that exists, says which kind, and why."""
    if app_configs is not None:  # a partial run cannot tell a stale declaration
        return []
    rules = {(r.model._meta.label, r.name) for m in models_ for r in unique_rules(m)}
    errors = []
    for (label, name), (kind, why) in replicated.UNIQUE.items():
        if (label, name) not in rules:
            errors.append(checks.Error(
                f"eduworld.core.replicated.UNIQUE declares {label} {name}, which is not a "
                "unique rule of a replicated model (any more): remove the declaration.",
                id="eduworld.E004"))
        if kind not in (replicated.DERIVED, replicated.LANED) or not why.strip():
            errors.append(checks.Error(
                f"The declaration of {label} {name} needs DERIVED or LANED and a reason.",
                id="eduworld.E005"))
    labels = {m._meta.label: m for m in tables(None)}
    for label, why in replicated.LOCAL.items():
        model = labels.get(label)
        if model is None or replicable(model) or not why.strip():
            errors.append(checks.Error(
                f"eduworld.core.replicated.LOCAL declares {label}: it must name an existing "
                "model whose primary key is not a UUID or text (the replication role adds "
                "every such table), with the reason.", id="eduworld.E006"))
    return errors


def tables(app_configs):
    """Every model that has a table of its own, many-to-many tables included."""
    configs = app_configs if app_configs is not None else apps.get_app_configs()
    return [model for config in configs
            for model in config.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy]
