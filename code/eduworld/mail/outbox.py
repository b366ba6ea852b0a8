"""queue(): a mail is a row, written in the transaction of the change that causes it.

No request waits on a provider: the sender on this host (sender.py) sends the row after
the transaction commits, and if the transaction rolls back there is no mail either.
"""

from django.conf import settings
from django.db import connection
from django.template.loader import render_to_string

from .models import Mail

LANGUAGES = ("nl", "en")
LANGUAGE_CHOICES = [("nl", "Dutch"), ("en", "English")]  # the API's name for them: MailLanguage
CHANNEL = "eduworld_mail"  # the sender LISTENs: a new mail is sent at once, not at its next poll


def language_of(wanted, fallback="en"):
    return wanted if wanted in LANGUAGES else fallback


# --8<-- [start:queue]
def queue(kind, to, language, context, mail_id=None):
    """Write the mail `kind` to `to`, rendered in `language`, as a row of this host's outbox.

    The template's first line is the subject ("Subject: ..."), the rest is the text. Pass
    `mail_id` when the cause has a derived id (a retried request on the other host then
    writes the same mail, not a second one).
    """
    language = language_of(language)
    rendered = render_to_string(f"mail/{kind}.{language}.txt", context)
    first, _, text = rendered.lstrip().partition("\n")
    # One line, whatever a teacher put in a name: no line breaks or controls in a header.
    subject = " ".join(first.removeprefix("Subject:").split())
    subject = "".join(c for c in subject if c.isprintable())[:200]
    mail = Mail(host=settings.HOST_NAME, kind=kind, language=language,
                sender=settings.MAIL["from"], to=to, subject=subject, text=text.strip() + "\n")
    if mail_id is not None:
        mail.id = mail_id
    mail.save(force_insert=True)
    with connection.cursor() as cursor:  # delivered at commit, dropped with a rollback
        cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])
    return mail
# --8<-- [end:queue]
