"""Bad input gets a 4xx with a JSON message, never a 500, and writes nothing."""

import pytest

from eduworld.curriculum.models import Node

from .helpers import lesson_path


@pytest.mark.parametrize("body, content_type", [
    ("{not json", "application/json"),
    ('{"kind": "subject", "title": ', "application/json"),
    ("kind=subject&title=x", "text/plain"),
    ("[1, 2, 3]", "application/json"),
    ('"just a string"', "application/json"),
])
def test_malformed_bodies_are_400_or_415_with_a_message(api, body, content_type):
    response = api.generic("POST", "/api/nodes/", body, content_type=content_type)
    assert response.status_code in (400, 415)
    assert response.json()  # a message saying what is wrong
    assert Node.objects.count() == 0


# --8<-- [start:wrong-types]
@pytest.mark.parametrize("fields", [
    {"kind": "planet", "title": "X"},
    {"kind": "subject"},
    {"kind": "subject", "title": ""},
    {"kind": "subject", "title": "x" * 201},
    {"kind": "subject", "title": ["a", "list"]},
    {"kind": "subject", "title": "X", "tags": "not a list"},
    {"kind": "subject", "title": "X", "tags": ["x" * 51]},
    {"kind": "subject", "title": "X", "tags": [None]},
    {"kind": "subject", "title": "X", "tags": [str(i) for i in range(21)]},
    {"kind": "subject", "title": "X", "published": "maybe"},
    {"kind": "subject", "title": "X", "language": "fr"},
    {"kind": "subject", "title": "\x00 nul"},
    {"kind": "course", "title": "X", "parent": "not-a-uuid"},
    {"kind": "course", "title": "X", "parent": "00000000-0000-0000-0000-000000000000"},
])
def test_wrong_types_and_values_are_400(api, fields):
    response = api.post("/api/nodes/", fields, format="json")
    assert response.status_code == 400, response.content
    assert Node.objects.count() == 0
# --8<-- [end:wrong-types]


@pytest.mark.parametrize("url", [
    "/api/nodes/00000000-0000-0000-0000-000000000000/",
    "/api/nodes/not-a-uuid/",
    "/api/assets/00000000-0000-0000-0000-000000000000/",
    "/api/boards/00000000-0000-0000-0000-000000000000/",
    "/api/nowhere/",
])
def test_unknown_ids_are_a_json_404(api, url):
    response = api.get(url)
    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize("payload", [
    {"parent": "not-a-uuid"},
    {"parent": "00000000-0000-0000-0000-000000000000"},
    {"parent": "SELF"},
    {"parent": None},
    {},
])
def test_bad_moves_are_400_and_change_nothing(api, payload):
    nodes = lesson_path(api)
    before = list(Node.objects.order_by("path").values_list("path", "id"))
    if payload.get("parent") == "SELF":
        payload = {"parent": nodes["lesson"]["id"]}
    response = api.post(f"/api/nodes/{nodes['lesson']['id']}/move/", payload, format="json")
    assert response.status_code == 400, response.content
    assert list(Node.objects.order_by("path").values_list("path", "id")) == before


def test_unknown_parent_filter_is_404(api):
    assert api.get("/api/nodes/", {"parent": "nope"}).status_code == 404
    assert api.get("/api/nodes/", {"kind": "planet"}).status_code == 400
