"""Chapter 1 on two hosts: both serve, each alone; a dead host comes back with its data.

Scenario: the chapter-1 playbook on host1 and host2. Each host has its own PostgreSQL, so
nothing is shared yet: that is the problem chapter 2 solves.
"""

import uuid

import pytest

from lab.polling import holds_for, wait_for

pytestmark = pytest.mark.lab


def test_the_api_answers_on_host1_and_on_host2(chapter_lab):
    for host in ("host1", "host2"):
        health = chapter_lab.api(host).health()
        assert health is not None, f"{host} does not answer /api/health/"
        assert health["host"] == host
        assert health["database"]["ok"] is True


# --8<-- [start:separate]
def test_a_lesson_written_on_host1_is_not_on_host2(chapter_lab):
    """A lesson written on host1 is not on host2: each host has its own database."""
    title = f"only-on-host1-{uuid.uuid4()}"
    chapter_lab.api("host1").sign_in().create_subject(title)
    host2 = chapter_lab.api("host2").sign_in()
    rows = f"SELECT count(*) FROM curriculum_node WHERE title = '{title}'"
    holds_for(lambda: host2.get("/api/search/", q=title).json()["count"] == 0 and
              chapter_lab.sql("host2", rows) == "0", 2, f"{title!r} to stay absent from host2")
    assert chapter_lab.sql("host1", rows) == "1"
# --8<-- [end:separate]


def checksum(rows):
    """count and md5 of `id|title` lines, sorted: the same on both sides or not."""
    import hashlib

    lines = sorted(f"{row_id}|{title}" for row_id, title in rows)
    return len(lines), hashlib.md5(",".join(lines).encode()).hexdigest()


# --8<-- [start:poweroff]
def test_host2_serves_while_host1_is_off_and_host1_loses_no_write(chapter_lab, faults):
    """Host2 serves while host1 is powered off, and host1 returns with every acknowledged write."""
    run = uuid.uuid4().hex[:8]
    host1 = chapter_lab.api("host1").sign_in()
    acknowledged = [host1.create_subject(f"power-{run}-{i}") for i in range(25)]
    expected = checksum((s["id"], s["title"]) for s in acknowledged)

    faults.poweroff("host1")
    wait_for(lambda: chapter_lab.api("host1").health() is None, 5, "host1 to stop answering")

    host2 = chapter_lab.api("host2").sign_in()
    holds_for(lambda: host2.health() is not None, 3, "host2 to keep answering")
    during = host2.create_subject(f"during-{run}")
    assert host2.get(f"/api/nodes/{during['id']}/").status_code == 200

    faults.boot("host1")
    chapter_lab.wait_until_serving("host1", timeout=60)
    rows = chapter_lab.sql("host1", f"SELECT id, title FROM curriculum_node "
                                    f"WHERE title LIKE 'power-{run}-%'")
    seen = checksum(line.split("|") for line in rows.splitlines())
    assert seen == expected, f"host1 after power-off: {seen}, acknowledged before: {expected}"
    # The session signed in before the power-off lives in the database: it still works.
    assert host1.get("/api/auth/me/").status_code == 200
# --8<-- [end:poweroff]
