"""The Ansible side, checked without a lab: production's entry follows the last chapter, and
each role states its interface (README.md, meta/argument_specs.yml) and keeps to it."""

import jinja2
import jinja2.meta
import pytest
import yaml

from lab import config, provision

ROLES = config.ANSIBLE / "roles"
ROLE_NAMES = sorted(p.parent.parent.name for p in ROLES.glob("*/tasks/main.yml"))
# Names Ansible itself provides: the inventory's hosts, groups and addresses, facts, loops.
ANSIBLE_NAMES = {"inventory_hostname", "groups", "hostvars", "ansible_host", "ansible_hostname",
                 "ansible_managed", "item", "lookup", "role_path"}
# Task keywords whose values are bare Jinja expressions, without {{ }}.
EXPRESSIONS = {"when", "changed_when", "failed_when", "until", "that"}


def test_the_production_playbook_imports_the_last_chapters_playbook():
    site = yaml.safe_load((config.ANSIBLE / "site.yml").read_text())
    last = provision.chapter_folder(provision.last_chapter())
    assert [play.get("ansible.builtin.import_playbook") for play in site] == [
        f"../chapters/{last.name}/playbook.yml"], "ansible/site.yml must import the last chapter"


class AnyFilter(dict):
    def get(self, name, default=None):  # Ansible's filters and tests parse like Jinja's own
        return super().get(name) or (lambda *args, **kwargs: None)


JINJA = jinja2.Environment()
JINJA.filters, JINJA.tests = AnyFilter(JINJA.filters), AnyFilter(JINJA.tests)


def names_in(template):
    return jinja2.meta.find_undeclared_variables(JINJA.parse(template))


def names_in_yaml(node, key=None):
    if isinstance(node, dict):
        return set().union(*(names_in_yaml(value, k) for k, value in node.items()))
    if isinstance(node, list):
        return set().union(*(names_in_yaml(value, key) for value in node))
    if isinstance(node, str) and key in EXPRESSIONS:
        return names_in("{{ " + node + " }}")
    if isinstance(node, str) and ("{{" in node or "{%" in node):
        return names_in(node)
    return set()


def load(path):
    return (yaml.safe_load(path.read_text()) or {}) if path.exists() else {}


def defaults(role):
    return load(ROLES / role / "defaults" / "main.yml")


def options(role):
    return load(ROLES / role / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]


def reads(role):
    """Every variable the role's tasks, handlers, templates and defaults use, less the ones it
    makes itself (registered results, facts it sets, a task's own vars) and Ansible's."""
    folder = ROLES / role
    used, made = set(), set()
    for path in [*folder.glob("tasks/*.yml"), *folder.glob("handlers/*.yml")]:
        tasks = load(path)
        used |= names_in_yaml(tasks)
        for task in tasks:
            made |= {task.get("register")} | set(task.get("ansible.builtin.set_fact") or {})
            made |= set(task.get("vars") or {})
    for path in folder.glob("templates/*"):
        used |= names_in(path.read_text())
    used |= names_in_yaml(defaults(role))
    return used - made - ANSIBLE_NAMES


def dependencies(role):
    """The roles this one lists in meta/main.yml, and theirs."""
    found = set()
    for entry in load(ROLES / role / "meta" / "main.yml").get("dependencies") or []:
        name = entry["role"] if isinstance(entry, dict) else entry
        found |= {name} | dependencies(name)
    return found


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_each_role_documents_every_variable_it_reads(role):
    """Each role documents every variable it reads, in its README and its argument specs."""
    declared = set(options(role))
    expected = reads(role) | set(defaults(role))
    assert declared == expected, (f"{role}'s meta/argument_specs.yml: undeclared "
                                  f"{sorted(expected - declared)}, "
                                  f"unused {sorted(declared - expected)}")
    for name, spec in options(role).items():
        assert spec.get("type"), f"{role}: {name} has no type"
        # A default in the spec is the role's own default, word for word; none otherwise.
        assert spec.get("default", "none") == defaults(role).get(name, "none"), f"{role}: {name}"
    readme = ROLES / role / "README.md"
    assert readme.exists(), f"{role} has no README.md"
    missing = [name for name in declared if f"`{name}`" not in readme.read_text()]
    assert not missing, f"{readme} does not mention {missing}"


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_a_role_reads_no_variables_of_roles_it_does_not_depend_on(role):
    """A role reads no other role's variables, unless it lists that role as a dependency."""
    own = set(defaults(role)) | {name for name, spec in options(role).items()
                                 if spec.get("required")}
    from_dependencies = set().union(*(defaults(d) for d in dependencies(role)))
    stray = reads(role) - own - from_dependencies
    assert not stray, (f"{role} reads {sorted(stray)}: make each its own variable, a required "
                       "input, or list the role that defines it in meta/main.yml")


@pytest.mark.parametrize("secret", sorted(provision.SECRET_NAMES))
def test_every_secret_is_required_and_never_logged(secret):
    """A generated secret has no default: the roles that read it require it and never log it."""
    readers = [role for role in ROLE_NAMES if secret in reads(role)]
    assert readers, f"no role reads {secret}"
    for role in readers:
        spec = options(role)[secret]
        assert spec.get("required") and spec.get("no_log") and "default" not in spec, role
        assert secret not in defaults(role), role

