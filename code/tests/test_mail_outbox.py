"""The mails EduWorld sends: written in the request's transaction, never sent by it."""

import re

import pytest
from django.core import mail as django_mail
from rest_framework.test import APIClient

from eduworld.accounts.models import Invitation, User
from eduworld.mail.models import Mail

from .conftest import PASSWORD


def anonymous():
    client = APIClient(enforce_csrf_checks=True)
    token = client.get("/api/auth/login/").json()["csrf_token"]
    client.credentials(HTTP_X_CSRFTOKEN=token)
    return client


def link_in(mail, kind):
    found = re.search(rf"#{kind}/(\S+)", mail.text)
    assert found, mail.text
    return found.group(1)


def test_an_invitation_queues_one_mail_in_the_colleagues_language(api, teacher):
    answer = api.post("/api/invitations/", {"email": "Carla@School.test", "name": "Carla",
                                            "language": "nl"}, format="json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    mail = Mail.objects.get()
    assert body["mail"] == {"message_id": mail.message_id, "state": "queued", "provider": None,
                            "reason": "", "failed_attempts": 0}
    assert (mail.to, mail.kind, mail.language) == ("carla@school.test", "invitation", "nl")
    assert mail.subject == "Anna nodigt je uit voor EduWorld"
    assert "Hallo Carla," in mail.text and "#join/" in mail.text
    assert mail.message_id == f"<{mail.id}@eduworld.test>"
    assert django_mail.outbox == []  # nothing was sent by the request


def test_a_retried_invitation_is_one_invitation_and_one_mail(api):
    for _ in range(2):
        answer = api.post("/api/invitations/", {"email": "carla@school.test"}, format="json",
                          HTTP_IDEMPOTENCY_KEY="invite-carla-1")
        assert answer.status_code == 201, answer.content
    assert Invitation.objects.count() == 1 and Mail.objects.count() == 1


def test_a_failed_invitation_leaves_no_mail(api, other_teacher):
    answer = api.post("/api/invitations/", {"email": other_teacher.email}, format="json")
    assert answer.status_code == 400
    assert answer.json() == {"email": ["This colleague already has an account."]}
    bad = api.post("/api/invitations/", {"email": "not an address"}, format="json")
    assert bad.status_code == 400 and "email" in bad.json()
    assert Mail.objects.count() == 0


def test_the_invitation_link_makes_an_account_once(api):
    api.post("/api/invitations/", {"email": "carla@school.test", "language": "en"},
             format="json")
    token = link_in(Mail.objects.get(), "join")
    client = anonymous()
    weak = client.post("/api/invitations/accept/", {"token": token, "password": "123"},
                       format="json")
    assert weak.status_code == 400 and "password" in weak.json()
    joined = client.post("/api/invitations/accept/", {"token": token, "password": PASSWORD,
                                                      "name": "Carla"}, format="json")
    assert joined.status_code == 201, joined.content
    assert client.get("/api/auth/me/").json()["email"] == "carla@school.test"
    again = anonymous().post("/api/invitations/accept/", {"token": token, "password": PASSWORD},
                             format="json")
    assert again.status_code == 400 and "accepted already" in again.json()["detail"]
    forged = anonymous().post("/api/invitations/accept/",
                              {"token": token[:-2] + "xx", "password": PASSWORD}, format="json")
    assert forged.status_code == 400 and "not valid" in forged.json()["detail"]


@pytest.mark.parametrize("language, subject", [("en", "A new password for EduWorld"),
                                               ("nl", "Een nieuw wachtwoord voor EduWorld")])
def test_a_password_reset_mail_leads_to_a_new_password_that_works_once(teacher, language,
                                                                      subject):
    client = anonymous()
    asked = client.post("/api/auth/password-reset/", {"email": "ANNA@school.test",
                                                      "language": language}, format="json")
    assert asked.status_code == 202, asked.content
    mail = Mail.objects.get()
    assert (mail.to, mail.subject) == ("anna@school.test", subject)
    user, token = link_in(mail, "reset").split("/")
    new = {"user": user, "token": token, "password": "a much newer secret"}
    assert client.post("/api/auth/new-password/", new, format="json").status_code == 204
    assert User.objects.get().check_password("a much newer secret")
    reused = client.post("/api/auth/new-password/", {**new, "password": "and another one"},
                         format="json")
    assert reused.status_code == 400 and "not valid" in reused.json()["detail"]


def test_a_reset_for_an_unknown_address_answers_the_same_and_queues_nothing(db):
    asked = anonymous().post("/api/auth/password-reset/", {"email": "nobody@school.test"},
                             format="json")
    assert asked.status_code == 202 and "on its way" in asked.json()["detail"]
    assert Mail.objects.count() == 0


def test_resets_are_limited_per_address(teacher):
    client = anonymous()
    for _ in range(5):
        assert client.post("/api/auth/password-reset/", {"email": teacher.email},
                           format="json").status_code == 202
    assert Mail.objects.filter(kind="password-reset").count() == 3


def test_invitations_are_limited_per_teacher_and_day(api):
    for n in range(50):
        sent = api.post("/api/invitations/", {"email": f"colleague{n}@school.test"},
                        format="json")
        assert sent.status_code == 201, sent.content
    over = api.post("/api/invitations/", {"email": "one-more@school.test"}, format="json")
    assert over.status_code == 429 and "try again tomorrow" in over.json()["detail"]
    assert Mail.objects.count() == 50
