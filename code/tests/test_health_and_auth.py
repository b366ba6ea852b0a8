"""Health, sign-in, sessions in the database, CSRF."""

from django.contrib.sessions.models import Session
from rest_framework.test import APIClient

from .conftest import PASSWORD


def test_health_names_the_host_and_its_database(client, db):
    response = client.get("/api/health/")
    body = response.json()
    assert response.status_code == 200
    assert body["host"] == "testhost"
    assert body["database"]["ok"] is True
    assert body["replication"] is None


def test_sign_in_stores_the_session_in_the_database(api, teacher):
    me = api.get("/api/auth/me/")
    assert me.status_code == 200
    assert me.json()["email"] == teacher.email
    session_key = api.cookies["sessionid"].value
    assert Session.objects.get(session_key=session_key).get_decoded()["_auth_user_id"] == str(
        teacher.id)


def test_a_session_cookie_alone_is_enough_on_a_new_client(api, teacher):
    # What chapter 2 relies on: the session is in the database, not in the process.
    other = APIClient()
    other.cookies["sessionid"] = api.cookies["sessionid"].value
    assert other.get("/api/auth/me/").json()["email"] == teacher.email


def test_wrong_password_is_refused_with_a_message(client, teacher):
    response = client.post("/api/auth/login/", {"email": teacher.email, "password": "nope"},
                           content_type="application/json")
    assert response.status_code == 400
    assert "password" in response.json()["detail"]


def test_sign_in_without_csrf_token_is_refused(teacher):
    client = APIClient(enforce_csrf_checks=True)
    response = client.post("/api/auth/login/", {"email": teacher.email, "password": PASSWORD},
                           format="json")
    assert response.status_code == 403


def test_writes_without_csrf_token_are_refused(api):
    api.credentials()  # drop the X-CSRFToken header, keep the session cookie
    response = api.post("/api/nodes/", {"kind": "subject", "title": "X"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_sign_out_ends_the_session(api):
    assert api.post("/api/auth/logout/").status_code == 204
    assert api.get("/api/auth/me/").status_code == 403
    assert Session.objects.count() == 0


def test_anonymous_requests_are_refused(client, db):
    assert client.get("/api/nodes/").status_code == 403
    assert client.get("/api/auth/me/").status_code == 403


def test_preferences_are_a_json_object(api):
    response = api.patch("/api/auth/me/", {"preferences": {"board_theme": "dark"}},
                         format="json")
    assert response.status_code == 200
    assert api.get("/api/auth/me/").json()["preferences"] == {"board_theme": "dark"}
    assert api.patch("/api/auth/me/", {"preferences": [1, 2]}, format="json").status_code == 400
