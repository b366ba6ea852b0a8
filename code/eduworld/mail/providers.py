"""The two kinds of mail provider: an SMTP relay and an HTTP mail API.

send() returns when the provider took the mail, raises Rejected when this mail can never
be sent as it is (the address does not exist, or the mail cannot be written as a message:
no other provider will do better), and Failed for everything that says nothing certain
about the mail (a refused connection, a timeout, SMTP's 4xx, a 5xx that is about the
provider or the account, the API's 5xx, a wrong password): the next provider may take it.
"""

import http.client
import json
import re
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate

# SMTP's enhanced status 5.1.x is about the address (no such mailbox, bad syntax, moved);
# other 5xx at RCPT (5.7.1 "relay access denied", say) are about the provider or the
# account, and another provider may well take the mail.
ADDRESS_REFUSED = re.compile(r"^5\.1\.\d+")


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
        try:
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = mail.sender, mail.to, mail.subject
            for name, value in headers(mail).items():
                message[name] = value
            message.set_content(mail.text)
        except (ValueError, TypeError) as err:  # a header that cannot be written as one
            raise Rejected(f"cannot be written as a mail: {err}") from None
        try:
            # The timeout holds for each step: a relay that accepts and never greets fails
            # after it, like one that refuses.
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except (OSError, smtplib.SMTPException) as err:
            raise Failed(describe(err)) from None
        try:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as err:
            code, text = next(iter(err.recipients.values()))
            text = text.decode(errors="replace")
            if code >= 500 and ADDRESS_REFUSED.match(text):
                raise Rejected(f"{code} {text}") from None  # this address, for good (RFC 3463)
            raise Failed(f"{code} {text}") from None
        except smtplib.SMTPResponseException as err:
            raise Failed(f"{err.smtp_code} {err.smtp_error.decode(errors='replace')}") from None
        except (OSError, smtplib.SMTPException) as err:
            raise Failed(describe(err)) from None
        finally:
            try:  # the relay took the mail once DATA was answered: a failing QUIT changes nothing
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


class Refuse(urllib.request.HTTPRedirectHandler):
    """No redirects: urllib would follow one of a POST with a GET, and take its 200 for a
    mail that was never sent."""

    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(Refuse)


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
            with OPENER.open(request, timeout=self.timeout) as answer:
                answer.read()
        except urllib.error.HTTPError as err:  # any answer but 2xx, redirects included
            reason = f"{err.code} {error_text(err)}"
            if err.code == 422:  # the API's "this address cannot receive mail"
                raise Rejected(reason) from None
            raise Failed(reason) from None
        except (OSError, http.client.HTTPException) as err:  # refused, timed out, cut short
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
