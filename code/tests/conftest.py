"""The fast tier: the real application against a real, throwaway PostgreSQL (Debian's default)."""

import tempfile

import pytest
from rest_framework.test import APIClient

from eduworld.accounts.models import User

from .local_postgres import LocalPostgres

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def postgres():
    cluster = LocalPostgres(tempfile.mkdtemp(prefix="eduworld-test-pg-")).start()
    yield cluster
    cluster.remove()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(postgres):
    from django.conf import settings

    db = settings.DATABASES["default"]
    db.update(HOST=str(postgres.folder), PORT=str(postgres.port), USER=postgres.user, PASSWORD="")


@pytest.fixture
def teacher(db):
    return User.objects.create_user("anna@school.test", PASSWORD, name="Anna")


@pytest.fixture
def other_teacher(db):
    return User.objects.create_user("bram@school.test", PASSWORD, name="Bram")


@pytest.fixture
def client_for():
    """A signed-in API client for a user, with CSRF checks on as in production."""

    def make(user):
        client = APIClient(enforce_csrf_checks=True)
        token = client.get("/api/auth/login/").json()["csrf_token"]
        client.credentials(HTTP_X_CSRFTOKEN=token)
        response = client.post("/api/auth/login/", {"email": user.email, "password": PASSWORD},
                               format="json")
        assert response.status_code == 200, response.content
        # Signing in rotates the CSRF token: pick up the new one.
        client.credentials(HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
        return client

    return make


@pytest.fixture
def api(client_for, teacher):
    return client_for(teacher)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"
