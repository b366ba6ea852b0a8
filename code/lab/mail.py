"""Chapter 7 in the lab: mail caused through a host's API, and counted at the fake providers.

Every mail carries a Message-ID that comes from its row, so the providers' copies can be
counted per mail: once is right, never is lost, twice is a duplicate.
"""

import time
import uuid
from collections import Counter

from . import third_party
from .polling import wait_for


def address(tag="colleague"):
    return f"{tag}-{uuid.uuid4().hex[:10]}@school.eduworld.test"


def invite(api, email=None, language="en"):
    """Invite a colleague through `api`'s host; (the invitation as answered, seconds taken)."""
    started = time.monotonic()
    answer = api.post("/api/invitations/", {"email": email or address(), "language": language},
                      idempotency_key=str(uuid.uuid4()))
    took = time.monotonic() - started
    assert answer.status_code == 201, f"{api.host}: {answer.status_code} {answer.text}"
    return answer.json(), took


def kept():
    """Every mail the fake providers took, oldest first."""
    return third_party.client().messages()


def copies(message_ids):
    """How many copies of each of these mails the providers took (0 for none)."""
    counted = Counter(m["message_id"] for m in kept())
    return {mid: counted[mid] for mid in message_ids}


def wait_delivered(message_ids, timeout):
    """Until every one of these mails reached a provider; {Message-ID: [copies]}."""
    wanted = set(message_ids)

    def arrived():
        found = {}
        for message in kept():
            if message["message_id"] in wanted:
                found.setdefault(message["message_id"], []).append(message)
        missing = wanted - set(found)
        return found if not missing else None

    return wait_for(arrived, timeout, f"{len(wanted)} mails to reach a provider", interval=0.25)


def providers_of(delivered):
    """The provider that took each mail (its first copy), in the order asked."""
    return [copies_[0]["provider"] for copies_ in delivered.values()]
