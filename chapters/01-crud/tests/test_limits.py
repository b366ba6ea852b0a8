"""Chapter 1: a flood of sign-ins is turned away at the door, and health stays quick.

Scenario: for 10 s, six clients send wrong passwords to host1, each the next as soon as
the last is answered (each for a new address, so that no account's own limit is what
refuses them), while a seventh asks host1's /api/health/ every 50 ms. Without limits, the
sign-ins all reached gunicorn, hashing passwords filled its workers and health took half a
second.
"""

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from lab import names

pytestmark = pytest.mark.lab

CLIENTS, FLOOD_SECONDS = 6, 10


def wrong_sign_ins(base):
    session = requests.Session()
    token = session.get(f"{base}/api/auth/login/", timeout=5).json()["csrf_token"]
    answers = []
    deadline = time.monotonic() + FLOOD_SECONDS
    while time.monotonic() < deadline:
        response = session.post(f"{base}/api/auth/login/", timeout=10,
                                json={"email": f"flood-{uuid.uuid4()}@eduworld.test",
                                      "password": "wrong"},
                                headers={"X-CSRFToken": token})
        answers.append((response.status_code, response.headers.get("Content-Type"),
                        response.headers.get("Retry-After"), response.json().get("detail")))
    return answers


def health_times(api, flood_over):
    """Seconds each /api/health/ took, asked every 50 ms until the flood is over."""
    took = []
    while not flood_over.is_set():
        started = time.monotonic()
        assert api.get("/api/health/").status_code == 200
        took.append(time.monotonic() - started)
        flood_over.wait(0.05)
    return took


# --8<-- [start:flood]
def test_a_sign_in_flood_gets_429s_while_health_answers_in_0_1_s(chapter_lab):
    """A sign-in flood gets 429s from nginx; health answers in 0.1 s (p95), 0.5 s at worst."""
    base = names.url("host1")
    flood_over = threading.Event()
    with ThreadPoolExecutor(CLIENTS + 1) as pool:
        monitor = pool.submit(health_times, chapter_lab.api("host1"), flood_over)
        floods = [pool.submit(wrong_sign_ins, base) for _ in range(CLIENTS)]
        try:
            answers = [answer for flood in floods for answer in flood.result()]
        finally:
            flood_over.set()
        took = sorted(monitor.result())

    statuses = Counter(status for status, *_ in answers)
    assert set(statuses) <= {400, 429}, statuses
    refused = [answer for answer in answers if answer[0] == 429]
    assert len(refused) >= len(answers) // 2, f"only {len(refused)} of {len(answers)} refused"
    for _status, content_type, retry_after, detail in refused:
        assert content_type == "application/json" and retry_after and "Too many" in detail
    assert len(took) >= 10, f"health was asked only {len(took)} times during the flood"
    p95 = took[int(len(took) * 0.95) - 1]
    assert p95 < 0.1 and took[-1] < 0.5, f"health took {p95:.3f} s (p95), {took[-1]:.3f} s max"
# --8<-- [end:flood]
