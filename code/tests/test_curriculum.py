"""The curriculum tree: CRUD, children, moves, and who may do what."""

import uuid

from eduworld.curriculum.models import Node

from .helpers import create, lesson_path


def test_every_key_is_a_uuid(api):
    nodes = lesson_path(api)
    for node in nodes.values():
        assert uuid.UUID(node["id"])


def test_create_read_update_delete_a_lesson(api):
    nodes = lesson_path(api, body="Water condenses.", tags=["clouds", "rain"])
    lesson = nodes["lesson"]
    assert lesson["parent"] == nodes["unit"]["id"]
    assert lesson["depth"] == 4
    url = f"/api/nodes/{lesson['id']}/"
    assert api.get(url).json()["tags"] == ["clouds", "rain"]
    changed = api.patch(url, {"title": "Clouds and rain", "published": True}, format="json")
    assert changed.status_code == 200
    assert changed.json()["title"] == "Clouds and rain"
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_deleting_a_course_deletes_its_subtree(api):
    nodes = lesson_path(api)
    assert api.delete(f"/api/nodes/{nodes['course']['id']}/").status_code == 204
    assert list(Node.objects.values_list("title", flat=True)) == ["Science"]
    assert Node.objects.find_problems() == ([], [], [], [], [])


def test_children_are_listed_in_order(api):
    nodes = lesson_path(api)
    create(api, "lesson", "Rain", nodes["unit"]["id"])
    response = api.get(f"/api/nodes/{nodes['unit']['id']}/children/")
    assert [n["title"] for n in response.json()["results"]] == ["Clouds", "Rain"]
    listed = api.get("/api/nodes/", {"parent": nodes["unit"]["id"]}).json()["results"]
    assert [n["title"] for n in listed] == ["Clouds", "Rain"]


def test_move_a_lesson_to_the_end_of_another_unit(api):
    nodes = lesson_path(api)
    unit2 = create(api, "unit", "Rivers", nodes["course"]["id"])
    create(api, "lesson", "Source to sea", unit2["id"])
    moved = api.post(f"/api/nodes/{nodes['lesson']['id']}/move/", {"parent": unit2["id"]},
                     format="json")
    assert moved.status_code == 200, moved.content
    assert moved.json()["parent"] == unit2["id"]
    children = api.get(f"/api/nodes/{unit2['id']}/children/").json()["results"]
    assert [c["title"] for c in children] == ["Source to sea", "Clouds"]
    assert Node.objects.find_problems() == ([], [], [], [], [])


def test_moving_a_unit_takes_its_lessons_along(api):
    nodes = lesson_path(api)
    course2 = create(api, "course", "Air", nodes["subject"]["id"])
    moved = api.post(f"/api/nodes/{nodes['unit']['id']}/move/", {"parent": course2["id"]},
                     format="json")
    assert moved.status_code == 200
    lesson = api.get(f"/api/nodes/{nodes['lesson']['id']}/").json()
    assert (lesson["parent"], lesson["depth"]) == (nodes["unit"]["id"], 4)
    assert Node.objects.find_problems() == ([], [], [], [], [])
    assert Node.objects.get(pk=nodes["course"]["id"]).numchild == 0


def test_each_host_numbers_new_nodes_in_its_own_lane(api, settings):
    # Two hosts adding to one parent at once must never pick the same path (chapter 2).
    settings.LANES = 2
    nodes = lesson_path(api)
    steps = []
    for lane in (0, 1, 0, 1):
        settings.LANE = lane
        node = create(api, "lesson", f"L{lane}", nodes["unit"]["id"])
        steps.append(int(Node.objects.get(pk=node["id"]).path[-4:], 36))
    assert [s % 2 for s in steps] == [0, 1, 0, 1]
    assert len(set(steps)) == 4
    assert Node.objects.find_problems() == ([], [], [], [], [])


def test_a_lesson_cannot_hang_under_a_course(api):
    nodes = lesson_path(api)
    response = api.post("/api/nodes/", {"kind": "lesson", "title": "X",
                                        "parent": nodes["course"]["id"]}, format="json")
    assert response.status_code == 400
    assert "unit" in response.json()["parent"][0]
    moved = api.post(f"/api/nodes/{nodes['lesson']['id']}/move/",
                     {"parent": nodes["course"]["id"]}, format="json")
    assert moved.status_code == 400


def test_moving_a_node_under_its_own_descendant_is_refused_and_changes_nothing(api):
    nodes = lesson_path(api)
    before = list(Node.objects.order_by("path").values_list("path", "title"))
    response = api.post(f"/api/nodes/{nodes['course']['id']}/move/",
                        {"parent": nodes["unit"]["id"]}, format="json")
    assert response.status_code == 400
    assert list(Node.objects.order_by("path").values_list("path", "title")) == before


def test_subject_cannot_move_under_its_own_descendant(api):
    nodes = lesson_path(api)
    response = api.post(f"/api/nodes/{nodes['subject']['id']}/move/",
                        {"parent": nodes["unit"]["id"]}, format="json")
    assert response.status_code == 400


def test_a_teacher_sees_published_work_of_others_but_cannot_change_it(api, client_for,
                                                                       other_teacher):
    nodes = lesson_path(api)
    other = client_for(other_teacher)
    url = f"/api/nodes/{nodes['lesson']['id']}/"
    assert other.get(url).status_code == 404  # not published yet: invisible
    api.patch(url, {"published": True}, format="json")
    assert other.get(url).status_code == 200
    assert other.patch(url, {"title": "Mine now"}, format="json").status_code == 403
    assert other.delete(url).status_code == 403
    assert api.get(url).json()["title"] == "Clouds"


def test_a_teacher_cannot_add_to_someone_elses_curriculum(api, client_for, other_teacher):
    nodes = lesson_path(api)
    api.patch(f"/api/nodes/{nodes['unit']['id']}/", {"published": True}, format="json")
    other = client_for(other_teacher)
    response = other.post("/api/nodes/", {"kind": "lesson", "title": "Sneaky",
                                          "parent": nodes["unit"]["id"]}, format="json")
    assert response.status_code == 400
    assert Node.objects.filter(title="Sneaky").count() == 0


def test_kind_and_parent_cannot_be_changed_by_update(api):
    nodes = lesson_path(api)
    url = f"/api/nodes/{nodes['lesson']['id']}/"
    api.patch(url, {"kind": "subject", "parent": None}, format="json")
    node = api.get(url).json()
    assert (node["kind"], node["parent"]) == ("lesson", nodes["unit"]["id"])


def test_lists_are_paginated(api):
    subject = create(api, "subject", "Many")
    course = create(api, "course", "C", subject["id"])
    for i in range(5):
        create(api, "unit", f"Unit {i}", course["id"])
    page = api.get("/api/nodes/", {"page_size": 3}).json()
    assert page["count"] == 7
    assert len(page["results"]) == 3
    assert page["next"]
