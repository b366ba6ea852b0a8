"""The lab's fake mail providers (lab/fakemail.py), which chapter 7's outbox talks to.

One real process on 127.0.0.1 with ports the kernel chooses; real clients (smtplib,
requests) prove what each provider keeps, what it turns away, and how each mode behaves.
"""

import smtplib
import socket
import uuid
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
import requests

from .conftest import FAKE_KEY as KEY
from .conftest import FAKE_PASSWORD as PASSWORD


def mailbox():
    return f"pupil-{uuid.uuid4().hex[:8]}@school.eduworld.test"


def send_smtp(fake, to, password=PASSWORD, timeout=5):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "noreply@eduworld.test", to, "Hello"
    message["Message-ID"] = make_msgid(domain="eduworld.test")
    message.set_content("Your lesson is ready.")
    with smtplib.SMTP("127.0.0.1", fake.smtp, timeout=timeout) as client:
        client.login("eduworld", password)
        client.send_message(message)
    return message["Message-ID"]


def send_api(fake, to, key=KEY, timeout=5, body=None):
    message_id = make_msgid(domain="eduworld.test")
    body = body or {"from": "noreply@eduworld.test", "to": [to], "subject": "Hello",
                    "text": "Your lesson is ready.", "html": "<p>Your lesson is ready.</p>",
                    "headers": {"Message-ID": message_id}}
    response = requests.post(fake.url, json=body, headers={"Authorization": f"Bearer {key}"},
                             timeout=timeout)
    return message_id, response


def test_each_provider_keeps_what_it_accepts_by_message_id(fake):
    to = mailbox()
    by_smtp = send_smtp(fake, to)
    by_api, response = send_api(fake, to)
    assert response.status_code == 202, response.text
    assert response.json()["id"]

    kept = fake.control.messages(to=to)
    assert [(m["provider"], m["message_id"]) for m in kept] == [("smtp", by_smtp),
                                                                ("api", by_api)]
    assert kept[0]["to"] == [to] and kept[0]["from"] == "noreply@eduworld.test"
    assert kept[0]["subject"] == "Hello" and kept[0]["text"].strip() == "Your lesson is ready."
    assert kept[1]["text"] == "Your lesson is ready." and kept[1]["received"] > 0
    assert len(fake.control.messages()) >= 2


def test_wrong_credentials_are_refused(fake):
    to = mailbox()
    with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
        send_smtp(fake, to, password="wrong")
    assert refused.value.smtp_code == 535
    with smtplib.SMTP("127.0.0.1", fake.smtp, timeout=5) as client, \
            pytest.raises(smtplib.SMTPSenderRefused) as refused:
        client.sendmail("noreply@eduworld.test", [to], b"Subject: no auth\r\n\r\nhi\r\n")
    assert refused.value.smtp_code == 530

    assert send_api(fake, to, key="wrong")[1].status_code == 401
    malformed = send_api(fake, to, body={"from": "noreply@eduworld.test", "to": to})[1]
    assert malformed.status_code == 400 and "'subject'" in malformed.json()["error"]
    assert fake.control.messages(to=to) == []
    assert fake.control.providers()["smtp"]["reasons"]["auth"] >= 1


def test_a_mailbox_that_does_not_exist_is_a_permanent_rejection(fake):
    to = "nobody@nowhere.eduworld.test"
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send_smtp(fake, to)
    assert refused.value.recipients[to][0] == 550
    response = send_api(fake, to)[1]
    assert response.status_code == 422
    assert response.json() == {"error": f"no such mailbox: {to}"}
    assert fake.control.messages(to=to) == []


def test_the_control_api_refuses_unknown_modes_and_providers(fake):
    for provider, mode in [("smtp", "sleep"), ("pigeon", "ok")]:
        response = requests.put(f"{fake.control.base}/providers/{provider}", json={"mode": mode},
                                timeout=5)
        assert response.status_code == 400 and response.json()["error"]
    assert fake.control.modes() == {"smtp": "ok", "api": "ok"}


def expect_smtp(fake, mode):
    if mode == "refuse":
        with pytest.raises(ConnectionRefusedError):
            send_smtp(fake, mailbox())
    elif mode == "fail":
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            send_smtp(fake, mailbox())
        assert refused.value.smtp_code == 451
    else:  # hang: not even a greeting (smtplib reports its read timeout as a disconnect)
        with pytest.raises(smtplib.SMTPServerDisconnected, match="timed out"):
            send_smtp(fake, mailbox(), timeout=1)


def expect_api(fake, mode):
    if mode == "refuse":
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", fake.api), timeout=1)
        with pytest.raises(requests.ConnectionError):
            send_api(fake, mailbox())
    elif mode == "fail":
        response = send_api(fake, mailbox())[1]
        assert response.status_code == 503 and response.json()["error"]
    else:  # hang: the connection is taken, the answer never comes
        with pytest.raises(requests.ReadTimeout):
            send_api(fake, mailbox(), timeout=1)


@pytest.mark.parametrize("provider", ["smtp", "api"])
def test_each_mode_behaves_as_it_says_and_ok_works_again(fake, provider):
    expect, send = {"smtp": (expect_smtp, send_smtp), "api": (expect_api, send_api)}[provider]
    other = "api" if provider == "smtp" else "smtp"
    try:
        for mode in ["refuse", "fail", "hang", "refuse", "ok"]:
            state = fake.control.set_mode(provider, mode)
            assert state["mode"] == mode
            assert fake.control.modes() == {provider: mode, other: "ok"}
            if mode != "ok":
                expect(fake, mode)
        to = mailbox()
        send(fake, to)
        assert [m["provider"] for m in fake.control.messages(to=to)] == [provider]
        reasons = fake.control.providers()[provider]["reasons"]
        assert reasons["fail"] >= 1 and reasons["hang"] >= 1
    finally:
        fake.control.set_mode(provider, "ok")
