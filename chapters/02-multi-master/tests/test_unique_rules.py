"""Chapter 2: one unique rule, the primary key.

Scenario: the hosts are split, and both take the same kind of write: a client's retry of one
request, boards asking for pairing codes, a sign-in against a preferences change. After the
heal, each test checks that no row was written twice, no value was shown twice, nothing was
undone, and that replication kept running on both hosts.
"""

import uuid

import pytest

from lab import config

pytestmark = pytest.mark.lab

HOSTS = ("host1", "host2")
PKEY_CONFLICT = ("remote INSERT on relation public.curriculum_node "
                 "(local index curriculum_node_pkey)")


def log_lines(lab, host, text):
    """How many lines of the host's PostgreSQL log contain the text."""
    found = lab.console(host, "grep", "-c", "-F", text, config.POSTGRESQL_LOG, check=False)
    return int(found.stdout.strip() or 0)


# --8<-- [start:retry]
def test_a_retry_on_the_other_host_in_a_split_writes_once_with_one_id(chapter_lab, faults):
    """A retry with the same key on the other host, in a split, leaves one subject, one id."""
    host1, host2 = (chapter_lab.api(h).sign_in() for h in HOSTS)
    title, key = f"retry-{uuid.uuid4()}", str(uuid.uuid4())
    body = {"kind": "subject", "title": title}
    conflicts = {h: log_lines(chapter_lab, h, PKEY_CONFLICT) for h in HOSTS}
    faults.partition()  # host1's answer is lost on the way: the client retries on host2
    first = host1.post("/api/nodes/", body, idempotency_key=key)
    retry = host2.post("/api/nodes/", body, idempotency_key=key)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json()["id"] == first.json()["id"]
    faults.heal()
    chapter_lab.wait_until_identical(30)
    chapter_lab.wait_until_replicating(30)
    for host in HOSTS:
        rows = chapter_lab.sql(host, "SELECT count(*) FROM curriculum_node "
                               f"WHERE title = '{title}'")
        assert rows == "1", f"{host} holds {rows} subjects for one request"
        # The two inserts met on the primary key: a conflict resolved, not an apply error.
        assert log_lines(chapter_lab, host, PKEY_CONFLICT) > conflicts[host], host
    for api in (host1, host2):  # and from now on either host replays the one answer
        again = api.post("/api/nodes/", body, idempotency_key=key)
        assert again.headers.get("Idempotent-Replayed") == "true", api.host
        assert again.json()["id"] == first.json()["id"], api.host
# --8<-- [end:retry]


def codes_drawn(lab, host, run, count):
    """count boards registered on the host itself (no web requests: no rate limit), with the
    code each of them shows."""
    shell = lab.console(host, "eduworld-manage", "shell", "--no-imports", "-c",
                        "from eduworld.boards.models import Board; print(' '.join("
                        f"Board.create_with_code('codes-{run}').code for _ in range({count})))")
    codes = [word for word in shell.stdout.split() if len(word) == 6 and word.isdigit()]
    assert len(codes) == count, f"{host} printed {shell.stdout!r}"
    return codes


# --8<-- [start:codes]
def test_two_hosts_never_show_the_same_pairing_code_at_once(chapter_lab, faults):
    """Boards registered on both sides of a split never show the same code at the same time."""
    run = uuid.uuid4().hex[:8]
    faults.partition()
    drawn = {h: codes_drawn(chapter_lab, h, run, 300) for h in HOSTS}
    for host in HOSTS:  # and one board each through the API, as a real board registers
        board = chapter_lab.api(host).post("/api/boards/", {"name": f"codes-{run}"})
        assert board.status_code == 201, f"{host}: {board.status_code} {board.text}"
        drawn[host].append(board.json()["code"])
    assert not set(drawn["host1"]) & set(drawn["host2"])
    # Why never, not just "this time": each host draws from its own lane.
    assert {int(c) % 2 for c in drawn["host1"]} == {0}
    assert {int(c) % 2 for c in drawn["host2"]} == {1}
    faults.heal()
    chapter_lab.wait_until_identical(30)
    chapter_lab.wait_until_replicating(30)
    for host in HOSTS:
        twice = chapter_lab.sql(host, "SELECT code FROM boards_board WHERE code_expires >= now() "
                                "GROUP BY code HAVING count(*) > 1")
        assert twice == "", f"{host} shows these codes on two boards: {twice}"
# --8<-- [end:codes]


# --8<-- [start:sign-in]
def test_signing_in_on_one_host_keeps_a_preferences_change_on_the_other(chapter_lab, faults):
    """A sign-in on one host does not undo a preferences change made on the other."""
    host2 = chapter_lab.api("host2").sign_in()
    kept = host2.get("/api/auth/me/").json()["preferences"]
    wanted = {**kept, "board_theme": f"theme-{uuid.uuid4().hex[:8]}"}
    try:
        faults.partition()
        changed = host2.request("PATCH", "/api/auth/me/", {"preferences": wanted})
        assert changed.status_code == 200, changed.text
        host1 = chapter_lab.api("host1").sign_in()  # later, on the other side
        faults.heal()
        chapter_lab.wait_until_identical(30)
        for api in (host1, host2):
            seen = api.get("/api/auth/me/").json()["preferences"]
            assert seen == wanted, f"{api.host} shows {seen}: the sign-in undid the change"
    finally:  # the demo teacher's preferences as they were, on both hosts
        faults.heal()
        host2.request("PATCH", "/api/auth/me/", {"preferences": kept})
        chapter_lab.wait_until_identical(30)
# --8<-- [end:sign-in]
