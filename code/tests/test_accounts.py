"""Accounts on two hosts: a new user's id comes from the email; signing in writes no user row."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eduworld.accounts.models import USERS, User, user_id
from eduworld.core.errors import exception_handler

from .conftest import PASSWORD


def test_a_new_users_id_is_derived_from_the_normalised_email(db):
    user = User.objects.create_user("  Anna@School.TEST ", PASSWORD)
    assert user.email == "anna@school.test"
    assert user.pk == uuid.uuid5(USERS, "anna@school.test") == user_id("ANNA@school.test")


def test_every_way_in_normalises_the_email_alike(client_for, teacher):
    """One normalisation: Django's own (the domain lowercased only) would give another id."""
    assert User.objects.normalize_email(" Anna@School.TEST ") == "anna@school.test"
    client = client_for(teacher)
    signed_in = client.post("/api/auth/login/", {"email": "ANNA@School.test",
                                                 "password": PASSWORD}, format="json")
    assert signed_in.status_code == 200, signed_in.content


def test_a_second_account_for_an_address_is_a_clear_400(db):
    User.objects.create_user("anna@school.test", PASSWORD)
    with pytest.raises(ValidationError) as refused:
        User.objects.create_user("Anna@School.test", PASSWORD)
    assert User.objects.count() == 1
    response = exception_handler(refused.value, {})  # what a view would answer
    assert response.status_code == 400
    assert response.data["email"] == ["A user with this email address already exists."]


def test_a_user_from_before_keeps_their_id_and_their_address(db):
    before = User.objects.create(id=uuid.uuid4(), email="bram@school.test")
    with pytest.raises(ValidationError):
        User.objects.create_user("bram@school.test", PASSWORD)
    assert User.objects.get(email="bram@school.test").pk == before.pk


def test_signing_in_writes_nothing_to_the_users_row(client_for, teacher):
    """Last-update-wins replaces whole rows: a sign-in must not carry old preferences over a
    change made on the other host (Django's last_login would)."""
    with CaptureQueriesContext(connection) as queries:
        client_for(teacher)
    writes = [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT"))
              and '"accounts_user"' in q["sql"]]
    assert writes == []
    teacher.refresh_from_db()
    assert teacher.last_login is None
