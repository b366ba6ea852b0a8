"""POST with an Idempotency-Key: a retry replays the first answer and writes nothing new."""

import uuid
from concurrent.futures import ThreadPoolExecutor

from django.db import connections

from eduworld.core import idempotency
from eduworld.core.idempotency import IdempotencyMiddleware
from eduworld.core.models import IdempotencyRecord
from eduworld.curriculum.models import Node


def post_subject(api, key, title="Science"):
    return api.post("/api/nodes/", {"kind": "subject", "title": title}, format="json",
                    HTTP_IDEMPOTENCY_KEY=key)


# --8<-- [start:replay]
def test_the_same_key_replays_the_answer_instead_of_writing_twice(api):
    first = post_subject(api, "k-1")
    second = post_subject(api, "k-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Node.objects.count() == 1
# --8<-- [end:replay]


def test_a_new_key_writes_again(api):
    post_subject(api, "k-1")
    post_subject(api, "k-2")
    assert Node.objects.count() == 2


def test_reusing_a_key_for_another_request_is_refused(api):
    post_subject(api, "k-1")
    response = post_subject(api, "k-1", title="Other")
    assert response.status_code == 422
    assert Node.objects.count() == 1


def test_a_failed_request_stores_no_key_so_a_corrected_retry_works(api):
    bad = api.post("/api/nodes/", {"kind": "lesson", "title": "Orphan"}, format="json",
                   HTTP_IDEMPOTENCY_KEY="k-1")
    assert bad.status_code == 400
    assert IdempotencyRecord.objects.count() == 0
    assert post_subject(api, "k-1").status_code == 201


def test_keys_belong_to_one_teacher(api, client_for, other_teacher):
    post_subject(api, "shared-key")
    other = client_for(other_teacher)
    response = other.post("/api/nodes/", {"kind": "subject", "title": "Maths"}, format="json",
                          HTTP_IDEMPOTENCY_KEY="shared-key")
    assert response.status_code == 201
    assert Node.objects.count() == 2


def test_an_unusable_key_is_a_clear_400(api):
    response = post_subject(api, "x" * 201)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert Node.objects.count() == 0


# Two hosts: a retry that the other host runs must create the same row, not a second one.

def test_the_new_object_takes_its_id_from_user_and_key(api, teacher):
    created = post_subject(api, "k-1").json()
    assert created["id"] == str(uuid.uuid5(idempotency.OBJECTS, f"{teacher.pk}:k-1"))
    record = IdempotencyRecord.objects.get()
    assert record.pk == uuid.uuid5(idempotency.RECORDS, f"{teacher.pk}:k-1")
    assert uuid.UUID(post_subject(api, "k-2").json()["id"]) != uuid.UUID(created["id"])


def test_without_a_key_the_new_object_gets_a_random_id(api, teacher):
    response = api.post("/api/nodes/", {"kind": "subject", "title": "Science"}, format="json")
    assert uuid.UUID(response.json()["id"]).version == 4


def test_the_retry_on_the_other_host_answers_with_the_same_id(api):
    """The other host has not seen the first attempt: it runs the request again, and creates
    the very same row (here: this host forgets the first attempt, rows and all)."""
    first = post_subject(api, "k-1").json()
    Node.objects.all().delete()
    IdempotencyRecord.objects.all().delete()
    again = post_subject(api, "k-1")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert again.json()["id"] == first["id"]


def test_a_retry_that_meets_the_other_hosts_row_mid_request_replays_its_answer(
        api, monkeypatch):
    """The other host's row and answer arrive while this host runs the retry: the insert
    fails on the primary key, and the client gets the other host's answer, not a 500."""
    first = post_subject(api, "k-1")
    arrived_meanwhile = IdempotencyMiddleware.replay
    calls = []

    def not_yet_on_first_look(user, key, fingerprint):
        calls.append(key)
        return None if len(calls) == 1 else arrived_meanwhile(user, key, fingerprint)

    monkeypatch.setattr(IdempotencyMiddleware, "replay", staticmethod(not_yet_on_first_look))
    api.raise_request_exception = False
    again = post_subject(api, "k-1")
    assert (again.status_code, again["Idempotent-Replayed"]) == (201, "true")
    assert again.json() == first.json()
    assert Node.objects.count() == 1


def test_the_same_key_at_once_on_one_host_writes_once(teacher, client_for, transactional_db):
    """Two requests with one key at the same moment: the second waits for the first, then
    replays its answer."""
    clients = [client_for(teacher) for _ in range(2)]

    def send(client):
        try:
            return post_subject(client, "k-1")
        finally:
            connections.close_all()  # this thread's own connection

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(send, clients))
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert Node.objects.count() == 1


def test_signing_out_with_a_key_ends_the_session(api):
    """A keyed POST to logout used to answer 500, and the session stayed valid."""
    response = api.post("/api/auth/logout/", HTTP_IDEMPOTENCY_KEY="bye-1")
    assert response.status_code == 204
    assert api.get("/api/auth/me/").status_code == 403
    assert IdempotencyRecord.objects.get().key == "bye-1"
