"""The fast tier: the real application against a real, throwaway PostgreSQL (Debian's default)."""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from eduworld.accounts.models import User
from lab.fakemail import FakeMail
from lab.polling import wait_for

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


CODE = Path(__file__).resolve().parents[1]
FAKE_PASSWORD, FAKE_KEY = "smtp-secret", "api-secret"
READY = re.compile(r"fake providers ready on \S+: smtp (\d+), api (\d+), control (\d+)")


class Fake:
    """The fake mail providers (lab/fakemail.py) on loopback, for chapter 7's fast tests."""

    def __init__(self, smtp, api, control):
        self.smtp, self.api = int(smtp), int(api)
        self.url = f"http://127.0.0.1:{self.api}/v1/messages"
        self.control = FakeMail(f"http://127.0.0.1:{control}")


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fakemail")
    secrets = folder / "secrets.json"
    secrets.write_text(json.dumps({"eduworld_mail_api_key": FAKE_KEY,
                                   "eduworld_mail_smtp_password": FAKE_PASSWORD}))
    log = folder / "fakemail.log"
    ports = ["--smtp-port", "0", "--api-port", "0", "--control-port", "0"]
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "lab.fakemail", "--address", "127.0.0.1", *ports,
             "--secrets", str(secrets)],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(CODE)})
    try:
        ready = wait_for(lambda: process.poll() is None and READY.search(log.read_text()), 10,
                         f"the ready line in {log}")
        yield Fake(*ready.groups())
    finally:
        process.kill()
        process.wait()


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
