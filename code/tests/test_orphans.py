"""Orphans: a node deleted on one host while the other adds a child under it.

After both hosts have replicated, the child is there and the node its path names is not.
Here the child arrives as replication applies it: a plain INSERT of the other host's row.
No endpoint may answer 500 because of it, and repair_orphans puts it (with its subtree)
under its owner's Recovered nodes, after which treebeard finds no problem in the tree.
"""

import io
import uuid

import pytest
from django.core.management import call_command
from django.db import connection

from eduworld.curriculum.models import Node, Revision
from eduworld.curriculum.orphans import orphaned_revisions, orphans, recovered, repair_orphans

from .helpers import create, lesson_path

NO_PROBLEMS = ([], [], [], [], [])

APPLY_SQL = """
INSERT INTO curriculum_node (id, path, depth, kind, title, body, tags, language, published,
                             owner_id, created, updated)
VALUES (%s, %s, %s, %s, %s, '', '{lost}', 'en', false, %s, now(), now())
"""


def applied(path, kind, title, owner_id):
    """A node row as replication applies it from the other host; returns its id."""
    node_id = uuid.uuid4()
    with connection.cursor() as cursor:
        cursor.execute(APPLY_SQL, [node_id, path, len(path) // Node.steplen, kind, title,
                                   owner_id])
    return str(node_id)


@pytest.fixture
def orphaned(api, teacher):
    """A unit deleted here while the other host added a lesson under it:
    {"lesson": the orphan's id, "nodes": the rest of the teacher's tree}."""
    nodes = lesson_path(api)
    gone = create(api, "unit", "Deleted here", nodes["course"]["id"])
    gone_path = Node.objects.get(pk=gone["id"]).path
    assert api.delete(f"/api/nodes/{gone['id']}/").status_code == 204
    lesson = applied(gone_path + "0001", "lesson", "Added there", teacher.pk)
    assert [str(n.pk) for n in orphans()] == [lesson]
    return {"lesson": lesson, "nodes": nodes}


def test_no_endpoint_fails_because_of_an_orphan(api, orphaned):
    lesson, course = orphaned["lesson"], orphaned["nodes"]["course"]["id"]
    reads = ["/api/nodes/", "/api/nodes/?kind=lesson", f"/api/nodes/?parent={course}",
             f"/api/nodes/{lesson}/", f"/api/nodes/{lesson}/children/",
             f"/api/nodes/{lesson}/revisions/", "/api/search/?q=added",
             "/api/search/?q=lost", f"/api/nodes/{course}/children/"]
    for url in reads:
        response = api.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content)
    shown = api.get(f"/api/nodes/{lesson}/").json()
    assert (shown["title"], shown["parent"]) == ("Added there", None)
    listed = {n["id"]: n for n in api.get("/api/nodes/?kind=lesson").json()["results"]}
    assert listed[lesson]["parent"] is None
    saved = api.patch(f"/api/nodes/{lesson}/", {"title": "Edited"}, format="json")
    assert saved.status_code == 200, saved.content
    unit = orphaned["nodes"]["unit"]["id"]
    moved = api.post(f"/api/nodes/{lesson}/move/", {"parent": unit}, format="json")
    assert moved.status_code == 200 and moved.json()["parent"] == unit
    assert Node.objects.find_problems() == NO_PROBLEMS


def test_the_repair_puts_an_orphan_under_the_teachers_recovered_nodes(api, orphaned, teacher,
                                                                      settings):
    lesson = orphaned["lesson"]
    assert Node.objects.find_problems()[2] == [uuid.UUID(lesson)]
    out = io.StringIO()
    call_command("repair_orphans", stdout=out)
    assert "1 orphans moved; 0 left" in out.getvalue()
    shown = api.get(f"/api/nodes/{lesson}/").json()
    unit = api.get(f"/api/nodes/{shown['parent']}/").json()
    course = api.get(f"/api/nodes/{unit['parent']}/").json()
    subject = api.get(f"/api/nodes/{course['parent']}/").json()
    assert [n["kind"] for n in (unit, course, subject)] == ["unit", "course", "subject"]
    assert subject["title"] == f"Recovered on {settings.HOST_NAME}"
    assert subject["parent"] is None and subject["owner"] == teacher.email
    assert subject["id"] == str(recovered(teacher, "subject").pk)
    assert Node.objects.find_problems() == NO_PROBLEMS
    assert repair_orphans() == []  # nothing left; the same Recovered nodes next time
    assert Node.objects.filter(title__startswith="Recovered").count() == 3


def test_an_orphan_moves_with_its_subtree_and_a_nested_orphan_follows(api, teacher):
    """A course deleted here while the other host added a unit with a lesson under it, and
    a lesson under a unit of that course that was deleted too: every one is repaired."""
    subject = create(api, "subject", "Science")
    gone = create(api, "course", "Deleted here", subject["id"])
    path = Node.objects.get(pk=gone["id"]).path
    api.delete(f"/api/nodes/{gone['id']}/")
    unit = applied(path + "0001", "unit", "Added there", teacher.pk)
    under_unit = applied(path + "00010001", "lesson", "Under the added unit", teacher.pk)
    nested = applied(path + "00030001", "lesson", "Under a deleted unit", teacher.pk)
    assert {str(n.pk) for n in orphans()} == {unit, nested}
    repair_orphans()
    assert Node.objects.find_problems() == NO_PROBLEMS
    by_id = {str(n.pk): n for n in Node.objects.all()}
    assert by_id[under_unit].find_parent_id() == uuid.UUID(unit)
    assert by_id[unit].find_parent_id() == recovered(teacher, "course").pk
    assert by_id[nested].find_parent_id() == recovered(teacher, "unit").pk


def test_the_repair_deletes_the_revisions_of_a_node_deleted_on_the_other_host(api, settings):
    """A lesson saved here while the other host deleted it: the delete that arrives removes
    the node and the revision the other host knew of, not the save made here (replication
    checks no foreign key). Both hosts' repairs delete that revision; one that lost its
    node in no other way is kept."""
    nodes = lesson_path(api)
    lesson, kept = nodes["lesson"], nodes["unit"]
    saved = api.patch(f"/api/nodes/{lesson['id']}/", {"title": "Saved here"}, format="json")
    assert saved.status_code == 200, saved.content
    with connection.cursor() as cursor:  # the other host's delete, as replication applies it
        cursor.execute("DELETE FROM curriculum_revision WHERE id = %s", [lesson["revision"]])
        cursor.execute("DELETE FROM curriculum_node WHERE id = %s", [lesson["id"]])
    assert [str(r.pk) for r in orphaned_revisions()] == [saved.json()["revision"]]
    settings.LANES, settings.LANE = 2, 1  # by every host, whatever its lane
    assert repair_orphans() == []
    assert not Revision.objects.filter(node_id=lesson["id"]).exists()
    assert Revision.objects.filter(node_id=kept["id"]).count() == 1
    assert api.get("/api/nodes/").status_code == 200


def test_each_host_repairs_only_the_orphans_in_its_own_lane(api, orphaned, teacher, settings):
    """Both hosts run the repair; each moves only the nodes it placed (their last path step
    is in its lane), under Recovered nodes only it creates: no row is written by both."""
    settings.LANES = 2
    settings.LANE = 0  # the orphan's step, 0001, is in lane 1: the other host's
    assert repair_orphans() == []
    assert not Node.objects.filter(title__startswith="Recovered").exists()
    settings.LANE = 1
    host2_recovered = recovered(teacher, "subject").pk
    assert repair_orphans() == [uuid.UUID(orphaned["lesson"])]
    settings.LANE = 0
    assert recovered(teacher, "subject").pk != host2_recovered
    assert Node.objects.find_problems() == NO_PROBLEMS
