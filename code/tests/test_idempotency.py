"""POST with an Idempotency-Key: a retry replays the first answer and writes nothing new."""

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
