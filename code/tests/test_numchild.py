"""The number of a node's children is counted on this host when read, never stored.

On a pair, a stored count travels to the other host and can win over a truer one there, and
every write of it rewrites the parent's whole row, which can undo a rename made on the other
host (chapter 2; migration 0004). These tests show on one host what the lab shows on two:
concurrent writers are all counted, a value that arrives in a parent's row is not the count,
and children come and go without a write to their parent's row.
"""

import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from eduworld.curriculum.models import Node

from .helpers import create, lesson_path

pytestmark = pytest.mark.django_db(transaction=True)

NO_PROBLEMS = ([], [], [], [], [])

# A row as replication applies it from the other host: a plain INSERT that takes none of
# the application's locks.
APPLY_SQL = """
INSERT INTO curriculum_node (id, path, depth, numchild, kind, title, body, tags, language,
                             published, owner_id, created, updated)
VALUES (gen_random_uuid(), %s, %s, 0, 'course', 'applied from the peer', '', '{}', 'en',
        false, %s, now(), now())
"""


def add(parent, title, owner, kind="course"):
    return Node.objects.add_node(parent, {"kind": kind, "title": title, "owner": owner})


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def waiting_for_a_lock():
    return sql("SELECT count(*) FROM pg_stat_activity "
               "WHERE datname = current_database() AND wait_event_type = 'Lock'")[0][0]


def test_a_child_applied_while_a_teacher_adds_another_is_counted(teacher):
    """A teacher adds a child while replication applies another child of the same parent:
    both count. (0002's recount counted before it waited for the parent's lock, and kept 1.)"""
    subject = add(None, "Science", teacher, kind="subject")
    holding, release, errors = threading.Event(), threading.Event(), []

    def teacher_adds():  # add_node locks the parent, and commits only when released
        try:
            with transaction.atomic():
                add(subject, "added here", teacher)
                holding.set()
                release.wait(10)
        except Exception as err:  # reported below, not lost in the thread
            errors.append(err)
        finally:
            holding.set()
            connection.close()

    def replication_applies():
        try:
            with connection.cursor() as cursor:
                cursor.execute(APPLY_SQL, [subject.path + "0002", 2, teacher.pk])
        except Exception as err:
            errors.append(err)
        finally:
            connection.close()

    first = threading.Thread(target=teacher_adds)
    first.start()
    assert holding.wait(10)
    second = threading.Thread(target=replication_applies)
    second.start()
    deadline = time.monotonic() + 10  # the applied row goes as far as it can
    while second.is_alive() and not waiting_for_a_lock() and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    first.join(10)
    second.join(10)
    assert not errors, errors
    assert Node.objects.get(pk=subject.pk).numchild == 2
    assert Node.objects.find_problems() == NO_PROBLEMS


def test_a_count_that_arrives_in_a_parent_row_is_not_what_the_app_reads(teacher):
    """What the other host's copy of the row says (here 29) does not decide the count."""
    subject = add(None, "Science", teacher, kind="subject")
    for title in ("Water", "Air"):
        add(subject, title, teacher)
    sql("UPDATE curriculum_node SET numchild = 29, title = 'Renamed' WHERE id = %s RETURNING id",
        [subject.pk])
    subject = Node.objects.get(pk=subject.pk)
    assert subject.numchild == Node.objects.get_children_count(subject) == 2
    assert [c.title for c in Node.objects.get_children(subject)] == ["Water", "Air"]
    assert Node.objects.find_problems() == NO_PROBLEMS


def row_version(node_id):
    """The row as last-update-wins sees it: which transaction wrote it, and when."""
    return sql("SELECT xmin::text, ctid::text, title, updated FROM curriculum_node "
               "WHERE id = %s", [node_id])[0]


def test_children_come_and_go_without_a_write_to_their_parent_row(api):
    """Adding, moving and deleting a lesson leave both units' rows as they were: on a pair,
    a renamed unit's new title is never overwritten by a side effect on the other host."""
    nodes = lesson_path(api)
    unit, course = nodes["unit"]["id"], nodes["course"]["id"]
    other_unit = create(api, "unit", "Rivers", course)["id"]
    api.patch(f"/api/nodes/{unit}/", {"title": "Weather, renamed"}, format="json")
    before = {pk: row_version(pk) for pk in (unit, other_unit, course)}

    rain = create(api, "lesson", "Rain", unit)["id"]
    assert api.post(f"/api/nodes/{nodes['lesson']['id']}/move/", {"parent": other_unit},
                    format="json").status_code == 200
    assert api.delete(f"/api/nodes/{rain}/").status_code == 204

    assert {pk: row_version(pk) for pk in before} == before
    assert Node.objects.get(pk=unit).numchild == 0
    assert Node.objects.get(pk=other_unit).numchild == 1
    assert Node.objects.find_problems() == NO_PROBLEMS


def test_treebeard_still_answers_from_the_counted_children(teacher):
    subject = add(None, "Science", teacher, kind="subject")
    course = add(subject, "Water", teacher)
    units = [add(course, title, teacher, kind="unit") for title in ("Rain", "Rivers")]
    add(units[0], "Clouds", teacher, kind="lesson")
    assert Node.objects.get_children_count(course) == course.numchild == 2
    assert not course.is_leaf() and units[1].is_leaf()
    assert list(Node.objects.get_children(units[1])) == []
    assert len(Node.objects.get_descendants(subject)) == 4
    course.numchild = 7  # treebeard assigns it after its own writes: ignored
    assert course.numchild == 2
    Node.objects.fix_tree()
    assert Node.objects.find_problems() == NO_PROBLEMS
    with pytest.raises(NotImplementedError):
        Node.objects.add_child(course, {"kind": "unit", "title": "X", "owner": teacher})
    # Deleting through a queryset takes the subtrees along and leaves the parents' rows.
    version = row_version(course.pk)
    Node.objects.filter(kind="unit").delete()
    assert Node.objects.count() == 2 and row_version(course.pk) == version
    assert course.is_leaf()


def test_migration_0004_goes_back_to_stored_counts_and_forward_again(teacher):
    subject = add(None, "Science", teacher, kind="subject")
    for title in ("Water", "Air"):
        add(subject, title, teacher)
    trigger = "SELECT count(*) FROM pg_trigger WHERE tgname = 'curriculum_node_recount'"
    try:
        call_command("migrate", "curriculum", "0003_lesson_note", verbosity=0)
        assert sql("SELECT numchild FROM curriculum_node WHERE id = %s", [subject.pk]) == [(2,)]
        assert sql(trigger) == [(1,)]
    finally:
        call_command("migrate", "curriculum", verbosity=0)
    assert sql(trigger) == [(0,)]
    assert sql("SELECT column_default FROM information_schema.columns "
               "WHERE table_name = 'curriculum_node' AND column_name = 'numchild'") == [("0",)]
    assert add(subject, "Earth", teacher).numchild == 0
    assert Node.objects.get(pk=subject.pk).numchild == 3
