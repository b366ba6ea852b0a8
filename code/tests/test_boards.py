"""Boards: a short code to pair, the UUID afterwards."""

import uuid
from datetime import timedelta

from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from eduworld.boards import commands
from eduworld.boards.models import Board, Command


def test_a_board_registers_without_signing_in_and_shows_a_six_digit_code(db):
    response = APIClient().post("/api/boards/", {"name": "Room 12"}, format="json")
    assert response.status_code == 201
    board = response.json()
    assert len(board["code"]) == 6 and board["code"].isdigit()
    assert board["paired"] is False
    assert commands.board_for_screen(board["id"], board["token"]).pk == uuid.UUID(board["id"])


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


# Two hosts: codes come from each host's own lane, and nothing rewrites a board to free one.

def test_each_host_draws_its_codes_from_its_own_lane(db, settings):
    settings.LANES = 2
    drawn = {}
    for lane in (0, 1):
        settings.LANE = lane
        drawn[lane] = {int(Board.create_with_code(f"Room {i}").code) for i in range(50)}
    assert {code % 2 for code in drawn[0]} == {0}
    assert {code % 2 for code in drawn[1]} == {1}


def test_an_expired_code_stops_counting_and_no_row_is_rewritten(db, monkeypatch):
    old = Board.create_with_code("Room 1")
    Board.objects.filter(pk=old.pk).update(code_expires=timezone.now() - timedelta(seconds=1))
    before = Board.objects.values().get(pk=old.pk)
    monkeypatch.setattr("eduworld.boards.models.draw_code", lambda: old.code)
    new = Board.create_with_code("Room 2")
    assert new.code == old.code  # free again: the old board no longer shows it
    assert Board.objects.values().get(pk=old.pk) == before


def test_a_code_on_show_is_not_drawn_again(db, monkeypatch):
    shown = Board.create_with_code("Room 1")
    draws = iter([shown.code, shown.code, "000042"])
    monkeypatch.setattr("eduworld.boards.models.draw_code", lambda: next(draws))
    assert Board.create_with_code("Room 2").code == "000042"


def test_pairing_finds_the_board_that_shows_the_code_now(api, monkeypatch):
    monkeypatch.setattr("eduworld.boards.models.draw_code", lambda: "123456")
    old = Board.create_with_code("Room 1")
    Board.objects.filter(pk=old.pk).update(code_expires=timezone.now() - timedelta(seconds=1))
    new = Board.create_with_code("Room 2")
    paired = api.post("/api/boards/pair/", {"code": "123456"}, format="json")
    assert paired.status_code == 200 and paired.json()["id"] == str(new.pk)


def test_the_migration_to_lanes_can_be_taken_back_with_expired_codes_shown_twice(
        transactional_db):
    """Chapter 3 takes migrations back and forward on a live pair: going back re-creates the
    unique rule on codes, which must not fail on two boards that once showed one code."""
    long_ago = timezone.now() - timedelta(hours=1)
    for name in ("Room 1", "Room 2"):
        Board.objects.create(name=name, code="123456", code_expires=long_ago)
    call_command("migrate", "boards", "0002", verbosity=0)
    call_command("migrate", "boards", verbosity=0)
    assert list(Board.objects.values_list("code", flat=True)) == [None, None]


def test_pairing_tells_the_board_by_a_command_naming_the_teacher(api, teacher):
    board = APIClient().post("/api/boards/", {"name": "Room 12"}, format="json").json()
    api.post("/api/boards/pair/", {"code": board["code"]}, format="json")
    (command,) = Command.objects.filter(board_id=board["id"])
    assert command.seq == 1 and command.state == {"screen": "paired", "teacher": teacher.name}


def test_a_remote_token_is_given_for_your_own_board_only(api, client_for, other_teacher):
    board = APIClient().post("/api/boards/", {"name": "Room 12"}, format="json").json()
    api.post("/api/boards/pair/", {"code": board["code"]}, format="json")
    token = api.post(f"/api/boards/{board['id']}/remote/").json()["token"]
    assert commands.board_for_remote(board["id"], token).pk == uuid.UUID(board["id"])
    other = client_for(other_teacher).post(f"/api/boards/{board['id']}/remote/")
    assert other.status_code == 404
    assert APIClient().post(f"/api/boards/{board['id']}/remote/").status_code == 403


def test_the_command_trigger_fires_on_the_applying_host_too(db):
    """ENABLE ALWAYS: pglogical applies the peer's rows as a replica, where an ordinary
    trigger stays silent."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = 'boards_command_notify'")
        assert cursor.fetchone() == ("A",)
