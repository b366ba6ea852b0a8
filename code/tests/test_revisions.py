"""Revisions: every save of a node's content is kept, and a fork of two saves is reported.

On a pair, two saves of one node made on both sides of a split both reach both hosts as
revision rows, while last-update-wins keeps one of them in the node's row (chapter 2). Here
the other host's save is written as replication would apply it: its revision row, and the
node's row with its content (when it is the later one).
"""

import uuid

import pytest

from eduworld.curriculum.models import Node, Revision

from .helpers import create, lesson_path


def save(api, node_id, **fields):
    response = api.patch(f"/api/nodes/{node_id}/", fields, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def saved_on_the_other_host(node_id, base, title, wins):
    """A save made on the other host from `base`, as it arrives here by replication; when
    it is the later one, last-update-wins also puts its content in the node's row."""
    node = Node.objects.get(pk=node_id)
    revision = Revision.objects.create(
        node=node, base=base, author=node.owner, host="otherhost", title=title,
        body=node.body, tags=node.tags, language=node.language, published=node.published)
    if wins:
        Node.objects.filter(pk=node_id).update(title=title, revision=revision.id)
    return str(revision.id)


def detail(api, node_id):
    response = api.get(f"/api/nodes/{node_id}/")
    assert response.status_code == 200, response.content
    return response.json()


def test_creating_and_saving_a_lesson_keeps_every_version(api, settings):
    lesson = lesson_path(api, body="Water condenses.")["lesson"]
    created = uuid.uuid5(uuid.UUID(lesson["id"]), "created")
    assert lesson["revision"] == str(created)  # a create retried on the other host: one row
    first = save(api, lesson["id"], title="Clouds and rain")
    second = save(api, lesson["id"], body="Water vapour condenses.", tags=["clouds"])
    listed = api.get(f"/api/nodes/{lesson['id']}/revisions/").json()["results"]
    assert [r["id"] for r in listed] == [second["revision"], first["revision"], str(created)]
    assert [r["base"] for r in listed] == [first["revision"], str(created), None]
    assert listed[0]["tags"] == ["clouds"] and listed[2]["body"] == "Water condenses."
    assert {r["host"] for r in listed} == {settings.HOST_NAME}
    assert listed[0]["author"] == "anna@school.test"
    assert detail(api, lesson["id"])["concurrent_revisions"] == []


@pytest.mark.parametrize("later", ["here", "there"])
def test_two_saves_from_one_base_are_reported_whichever_won(api, later):
    lesson = lesson_path(api)["lesson"]
    base = lesson["revision"]
    here = save(api, lesson["id"], title="saved here")["revision"]
    there = saved_on_the_other_host(lesson["id"], base, "saved there", wins=later == "there")
    shown = detail(api, lesson["id"])
    kept, lost, lost_title = ((here, there, "saved there") if later == "here"
                              else (there, here, "saved here"))
    assert shown["revision"] == kept
    assert [(r["id"], r["title"]) for r in shown["concurrent_revisions"]] == [(lost, lost_title)]


def test_the_newest_save_of_the_losing_side_is_reported(api):
    """Two saves on this side, one on the other, the other side's row kept: the newest of
    this side's saves is the one reported (it is the one nobody built on)."""
    lesson = lesson_path(api)["lesson"]
    base = lesson["revision"]
    save(api, lesson["id"], title="first here")
    newest_here = save(api, lesson["id"], title="second here")["revision"]
    saved_on_the_other_host(lesson["id"], base, "there", wins=True)
    shown = detail(api, lesson["id"])
    assert [r["id"] for r in shown["concurrent_revisions"]] == [newest_here]


def test_the_next_save_records_what_was_reported_and_the_report_ends(api):
    lesson = lesson_path(api)["lesson"]
    save(api, lesson["id"], title="here")
    there = saved_on_the_other_host(lesson["id"], lesson["revision"], "there", wins=False)
    assert [r["id"] for r in detail(api, lesson["id"])["concurrent_revisions"]] == [there]
    after = save(api, lesson["id"], title="here, having seen there")
    assert [r["id"] for r in after["dismissed_revisions"]] == [there]
    assert after["concurrent_revisions"] == []
    assert Revision.objects.get(pk=after["revision"]).seen == [uuid.UUID(there)]
    assert detail(api, lesson["id"])["concurrent_revisions"] == []
    assert "dismissed_revisions" not in detail(api, lesson["id"])  # a save's answer only
    assert save(api, lesson["id"], title="again")["dismissed_revisions"] == []
    # A save from the other side that arrives later is reported again.
    late = saved_on_the_other_host(lesson["id"], lesson["revision"], "late", wins=False)
    assert [r["id"] for r in detail(api, lesson["id"])["concurrent_revisions"]] == [late]


def test_only_the_owner_sees_revisions(api, client_for, other_teacher):
    subject = create(api, "subject", "Science", published=True)
    save(api, subject["id"], title="here")
    saved_on_the_other_host(subject["id"], subject["revision"], "there", wins=False)
    other = client_for(other_teacher)
    assert other.get(f"/api/nodes/{subject['id']}/").json()["concurrent_revisions"] == []
    assert other.get(f"/api/nodes/{subject['id']}/revisions/").status_code == 403
    assert len(detail(api, subject["id"])["concurrent_revisions"]) == 1


def test_a_move_writes_no_revision_and_a_node_deleted_takes_its_revisions(api):
    nodes = lesson_path(api)
    unit2 = create(api, "unit", "Rivers", nodes["course"]["id"])
    lesson = nodes["lesson"]["id"]
    moved = api.post(f"/api/nodes/{lesson}/move/", {"parent": unit2["id"]}, format="json")
    assert moved.json()["revision"] == nodes["lesson"]["revision"]
    assert Revision.objects.filter(node_id=lesson).count() == 1
    assert api.delete(f"/api/nodes/{nodes['course']['id']}/").status_code == 204
    assert Revision.objects.filter(node_id=lesson).count() == 0
