"""Boards: a short code to pair, the UUID afterwards."""

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from eduworld.boards.models import Board


def test_a_board_registers_without_signing_in_and_shows_a_six_digit_code(db):
    response = APIClient().post("/api/boards/", {"name": "Room 12"}, format="json")
    assert response.status_code == 201
    board = response.json()
    assert len(board["code"]) == 6 and board["code"].isdigit()
    assert board["paired"] is False


def test_a_teacher_pairs_with_the_code_and_the_code_is_gone(api):
    board = APIClient().post("/api/boards/", {"name": "Room 12"}, format="json").json()
    paired = api.post("/api/boards/pair/", {"code": board["code"]}, format="json")
    assert paired.status_code == 200
    assert paired.json()["id"] == board["id"]
    assert [b["id"] for b in api.get("/api/boards/").json()["results"]] == [board["id"]]
    again = api.post("/api/boards/pair/", {"code": board["code"]}, format="json")
    assert again.status_code == 404
    seen_by_board = APIClient().get(f"/api/boards/{board['id']}/").json()
    assert seen_by_board["paired"] is True and seen_by_board["code"] is None


def test_an_expired_code_does_not_pair(api):
    board = Board.create_with_code("Room 3")
    Board.objects.filter(pk=board.pk).update(code_expires=timezone.now() - timedelta(seconds=1))
    assert api.post("/api/boards/pair/", {"code": board.code}, format="json").status_code == 404


def test_a_malformed_code_is_a_clear_400(api):
    response = api.post("/api/boards/pair/", {"code": "12ab"}, format="json")
    assert response.status_code == 400
    assert "6 digits" in response.json()["code"][0]


def test_codes_shown_at_the_same_time_are_unique(db):
    codes = [Board.create_with_code(f"Room {i}").code for i in range(200)]
    assert len(set(codes)) == 200
