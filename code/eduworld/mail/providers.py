"""The two kinds of mail provider: an SMTP relay and an HTTP mail API.

send() returns when the provider took the mail, raises Rejected when the provider refuses
this mail for good (the address does not exist: no other provider will do better), and
Failed for everything that says nothing about the mail (refused connection, timeout,
4xx from SMTP, 5xx from the API, a wrong password): the next provider may take it.
"""

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate


class Failed(Exception):
    """The provider did not take the mail now; another provider, or a later try, may."""


class Rejected(Exception):
    """The provider refused this mail for good; the reason says why."""


def headers(mail):
    # --8<-- [start:message-id]
    # The Message-ID comes from the mail's row: every attempt, by either host's sender,
    # through either provider, carries the same one, so a duplicate can be recognised.
    return {"Message-ID": mail.message_id, "Content-Language": mail.language,
            "Date": formatdate(usegmt=True)}
    # --8<-- [end:message-id]


class Smtp:
    kind = "smtp"

    def __init__(self, name, host, port=587, user="", password="", starttls=True, timeout=5):
        self.name, self.host, self.port = name, host, int(port)
        self.user, self.password, self.starttls = user, password, starttls
        self.timeout = float(timeout)

    def send(self, mail):
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = mail.sender, mail.to, mail.subject
        for name, value in headers(mail).items():
            message[name] = value
        message.set_content(mail.text)
        try:
            # The timeout holds for each step: a relay that accepts and never greets fails
            # after it, like one that refuses.
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as err:
            code, text = next(iter(err.recipients.values()))
            if code >= 500:  # 5xx for this address: permanent (RFC 5321, 4.2.1)
                raise Rejected(f"{code} {text.decode(errors='replace')}") from None
            raise Failed(f"{code} {text.decode(errors='replace')}") from None
        except smtplib.SMTPResponseException as err:
            raise Failed(f"{err.smtp_code} {err.smtp_error.decode(errors='replace')}") from None
        except (OSError, smtplib.SMTPException) as err:
            raise Failed(describe(err)) from None


class HttpApi:
    kind = "http"

    def __init__(self, name, url, key, timeout=5):
        self.name, self.url, self.key, self.timeout = name, url, key, float(timeout)

    def send(self, mail):
        body = {"from": mail.sender, "to": [mail.to], "subject": mail.subject,
                "text": mail.text, "headers": headers(mail)}
        request = urllib.request.Request(
            self.url, data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.key}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                answer.read()
        except urllib.error.HTTPError as err:
            reason = f"{err.code} {error_text(err)}"
            if err.code == 422:  # the API's "this address cannot receive mail"
                raise Rejected(reason) from None
            raise Failed(reason) from None
        except OSError as err:  # refused, timed out, reset
            raise Failed(describe(err)) from None


def error_text(err):
    try:
        return json.loads(err.read() or b"{}").get("error", err.reason)
    except (ValueError, OSError, AttributeError):
        return str(err.reason)


def describe(err):
    reason = getattr(err, "reason", None)  # urllib wraps the socket's error
    return f"{type(reason or err).__name__}: {reason or err}".strip().rstrip(":")


def from_config(entry):
    """A provider from one entry of the mail configuration's `providers` list."""
    settings = {k: v for k, v in entry.items() if k != "kind"}
    kinds = {"smtp": Smtp, "http": HttpApi}
    if entry.get("kind") not in kinds:
        raise ValueError(f"mail provider {entry.get('name')!r}: kind must be smtp or http")
    return kinds[entry["kind"]](**settings)
