"""Every unique rule on a replicated table, and why it holds on two hosts that write alone.

On a table that both hosts write, the primary key is the only unique rule that pglogical
can settle: two rows with the same key are one row, and last-update-wins picks its
version. Any other unique index is checked by each host on its own rows only; when the
other host's row arrives and matches a local row on that index, pglogical either replaces
a row with another id or stops applying (chapter 2). So every other uniqueness must hold
by construction, and is declared here, once, with the reason. The system check in
eduworld.core.checks fails (`manage.py check`, and the fast tests) on any unique rule of a
replicated model that is not the primary key and not declared here, and on any declaration
that no longer matches a rule.

How to declare
--------------
A unique rule is named by its model label and by its constraint's name, or, for a field
with unique=True, by the field's name (unique_together: the fields joined by commas):

    UNIQUE[("app_label.ModelName", "name")] = (DERIVED or LANED, "why, in one sentence")

DERIVED  the primary key is computed from the same natural key (uuid5 of a namespace and
         the value), so both hosts that create "the same" row create the same key, and the
         conflict is settled on the primary key.
LANED    each host draws the values from its own lane (host1 even, host2 odd, ...), so two
         hosts never produce the same value.

A model of an EduWorld app whose table must stay each host's own (not replicated; its
primary key is then not a UUID or text, so the replication role leaves it out) goes in
LOCAL, with the reason:

    LOCAL["app_label.ModelName"] = "why"

Models of other apps (Django's own) replicate exactly when the replication role adds their
table: when their primary key is a single UUID or text column (eduworld.db.schema.replicable).
"""

DERIVED = "derived"
LANED = "laned"

# --8<-- [start:declarations]
# (Pairing codes and idempotency keys need no entry: they have no unique index any more.
# A board's code is drawn in the host's lane; a stored answer's id is derived from its key.)
UNIQUE = {
    ("accounts.User", "email"): (
        DERIVED,
        "A user created from now on takes its id from the normalised email (accounts.models."
        "user_id), so the same address signed up on both hosts is one row; the index still "
        "refuses, on one host, a second account for the address of a user from before.",
    ),
    ("curriculum.Node", "path"): (
        LANED,
        "Each host numbers tree paths in its own lane (curriculum.models.TreeManager.next_path), "
        "so two hosts never give two nodes the same path.",
    ),
}

LOCAL = {
    "accounts.User_groups": (
        "Django's links from users to groups: auth's groups are keyed by a sequence and stay "
        "each host's own, so links to them cannot travel; EduWorld puts no one in a group."
    ),
    "accounts.User_user_permissions": (
        "Django's links from users to permissions: auth's permissions are keyed by a sequence "
        "and stay each host's own; EduWorld grants no permission (staff and superuser are "
        "flags on the replicated user row)."
    ),
}
# --8<-- [end:declarations]
