"""Failed sign-ins per email address and failed pairings per teacher: 429 past the limit."""

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from eduworld.boards.models import Board
from eduworld.limits.attempts import PAIRING, SIGN_IN, retry_after
from eduworld.limits.models import FailedAttempt

from .conftest import PASSWORD


def sign_in(client, email, password):
    return client.post("/api/auth/login/", {"email": email, "password": password},
                       content_type="application/json")


def test_failed_sign_ins_past_the_limit_get_429_with_retry_after(client, teacher):
    for _ in range(SIGN_IN.attempts):
        assert sign_in(client, teacher.email, "wrong").status_code == 400
    refused = sign_in(client, teacher.email, "wrong")
    assert refused.status_code == 429
    assert "try again in" in refused.json()["detail"]
    assert 0 < int(refused["Retry-After"]) <= SIGN_IN.window.total_seconds()
    # Refused before the password is checked: the right one waits too.
    assert sign_in(client, teacher.email, PASSWORD).status_code == 429
    assert FailedAttempt.objects.filter(kind="sign-in").count() == SIGN_IN.attempts


def test_the_limit_is_per_email_address_whatever_its_case(client, teacher, other_teacher):
    for _ in range(SIGN_IN.attempts):
        sign_in(client, f"  {teacher.email.upper()} ", "wrong")
    assert sign_in(client, teacher.email, PASSWORD).status_code == 429
    assert sign_in(client, other_teacher.email, PASSWORD).status_code == 200


def test_a_successful_sign_in_is_not_counted(client, teacher):
    for _ in range(SIGN_IN.attempts + 1):
        assert sign_in(client, teacher.email, PASSWORD).status_code == 200
    assert not FailedAttempt.objects.exists()


def test_an_unknown_email_address_is_limited_like_a_known_one(client, db):
    for _ in range(SIGN_IN.attempts):
        assert sign_in(client, "nobody@school.test", "guess").status_code == 400
    assert sign_in(client, "nobody@school.test", "guess").status_code == 429


def test_attempts_written_by_the_other_host_count_here(client, teacher):
    # What replication delivers: rows another host wrote, with its own random keys.
    FailedAttempt.objects.bulk_create(
        FailedAttempt(kind="sign-in", subject=teacher.email) for _ in range(SIGN_IN.attempts))
    assert sign_in(client, teacher.email, PASSWORD).status_code == 429


def test_attempts_older_than_the_window_no_longer_count(client, teacher):
    old = timezone.now() - SIGN_IN.window - timedelta(seconds=1)
    FailedAttempt.objects.bulk_create(
        FailedAttempt(kind="sign-in", subject=teacher.email, at=old)
        for _ in range(SIGN_IN.attempts))
    assert sign_in(client, teacher.email, PASSWORD).status_code == 200


def test_retry_after_is_when_the_oldest_counted_attempt_leaves_the_window(db):
    now = timezone.now()
    ages = [timedelta(minutes=m) for m in (14, 10, 5, 1)] + [timedelta(seconds=1)] * 6
    FailedAttempt.objects.bulk_create(
        FailedAttempt(kind="sign-in", subject="a@school.test", at=now - age) for age in ages)
    # Ten in the window; the 14-minute-old one leaves it in a minute.
    assert retry_after(SIGN_IN, "a@school.test", now) == 60
    FailedAttempt.objects.filter(at=now - timedelta(minutes=14)).delete()
    assert retry_after(SIGN_IN, "a@school.test", now) is None


def test_recording_drops_the_subjects_attempts_past_the_window(client, teacher):
    FailedAttempt.objects.create(kind="sign-in", subject=teacher.email,
                                 at=timezone.now() - SIGN_IN.window - timedelta(minutes=1))
    sign_in(client, teacher.email, "wrong")
    assert FailedAttempt.objects.filter(subject=teacher.email).count() == 1


def test_wrong_codes_past_the_limit_get_429_even_for_the_right_code(api, client_for,
                                                                    other_teacher):
    board = Board.create_with_code("Room 7")
    wrong = f"{(int(board.code) + 1) % 10**6:06d}"
    for _ in range(PAIRING.attempts):
        assert api.post("/api/boards/pair/", {"code": wrong}, format="json").status_code == 404
    refused = api.post("/api/boards/pair/", {"code": board.code}, format="json")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) <= PAIRING.window.total_seconds()
    # Another teacher is not held back by this one's failures.
    other = client_for(other_teacher)
    assert other.post("/api/boards/pair/", {"code": board.code}, format="json").status_code == 200


def test_pairing_without_signing_in_is_refused_and_not_counted(db):
    response = APIClient().post("/api/boards/pair/", {"code": "123456"}, format="json")
    assert response.status_code == 403
    assert not FailedAttempt.objects.exists()
