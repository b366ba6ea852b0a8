"""The teacher's app may call either host from its own origins, with the session cookie,
and nothing wider (chapter 6: core/cors.py, settings APP_ORIGINS and COOKIE_DOMAIN)."""

import pytest
from rest_framework.test import APIClient

from .conftest import PASSWORD

APP = "http://www.eduworld.test"
OTHER_HOST = "http://host2.eduworld.test"
ELSEWHERE = "http://evil.example"


@pytest.fixture(autouse=True)
def app_origins(settings):
    settings.CORS_ALLOWED_ORIGINS = [APP, OTHER_HOST]
    settings.CSRF_TRUSTED_ORIGINS = [APP, OTHER_HOST]
    settings.ALLOWED_HOSTS = ["host1.eduworld.test", "testserver"]


def preflight(client, origin, method="POST"):
    return client.options("/api/nodes/", HTTP_HOST="host1.eduworld.test", HTTP_ORIGIN=origin,
                          HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
                          HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type, x-csrftoken, "
                                                              "idempotency-key")


@pytest.mark.parametrize("origin", [APP, OTHER_HOST])
def test_a_preflight_from_the_apps_origin_allows_writes_with_the_cookie(client, db, origin):
    response = preflight(client, origin)
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == origin
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "PATCH" in response["Access-Control-Allow-Methods"]
    allowed = response["Access-Control-Allow-Headers"].lower()
    assert {"content-type", "x-csrftoken", "idempotency-key"} <= {
        name.strip() for name in allowed.split(",")}


def test_a_preflight_from_any_other_origin_is_not_allowed(client, db):
    response = preflight(client, ELSEWHERE)
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Credentials" not in response


def test_an_answer_names_the_exact_origin_never_a_wildcard(api, teacher):
    response = api.get("/api/auth/me/", HTTP_HOST="host1.eduworld.test", HTTP_ORIGIN=APP)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == APP
    assert "Origin" in response["Vary"]
    other = api.get("/api/auth/me/", HTTP_HOST="host1.eduworld.test", HTTP_ORIGIN=ELSEWHERE)
    assert "Access-Control-Allow-Origin" not in other


def signed_in_client(origin):
    client = APIClient(enforce_csrf_checks=True, HTTP_HOST="host1.eduworld.test",
                       HTTP_ORIGIN=origin)
    token = client.get("/api/auth/login/").json()["csrf_token"]
    client.credentials(HTTP_X_CSRFTOKEN=token)
    return client


def test_a_write_from_the_apps_origin_passes_the_csrf_check(teacher):
    client = signed_in_client(APP)
    response = client.post("/api/auth/login/", {"email": teacher.email, "password": PASSWORD},
                           format="json")
    assert response.status_code == 200, response.content


def test_a_write_from_another_origin_is_refused_by_the_csrf_check(teacher):
    client = signed_in_client(ELSEWHERE)
    response = client.post("/api/auth/login/", {"email": teacher.email, "password": PASSWORD},
                           format="json")
    assert response.status_code == 403
    assert "detail" in response.json()


def test_with_a_cookie_domain_the_session_cookie_is_set_on_the_root_domain(settings, teacher):
    settings.SESSION_COOKIE_DOMAIN = settings.CSRF_COOKIE_DOMAIN = "eduworld.test"
    client = signed_in_client(APP)
    client.post("/api/auth/login/", {"email": teacher.email, "password": PASSWORD},
                format="json")
    assert client.cookies["sessionid"]["domain"] == "eduworld.test"
    assert client.cookies["csrftoken"]["domain"] == "eduworld.test"
