"""Chapter 2: edits that cross. Two saves of one lesson, and a delete against an add.

Scenario: one teacher, signed in on both hosts, works on both sides of a partition. After it
heals, last-update-wins has kept one version of each row; these tests check what is kept
besides: the earlier save as a revision, and a child whose parent is gone, served and then
put back into the tree by the repair that runs on both hosts.
"""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from lab import hosts
from lab.polling import wait_for

pytestmark = pytest.mark.lab

HOSTS = ("host1", "host2")
REPAIR = "eduworld-repair-orphans"


def created(api, kind, title, parent=None):
    response = api.post("/api/nodes/", {"kind": kind, "title": title, "parent": parent})
    assert response.status_code == 201, f"{api.host}: {response.status_code} {response.text}"
    return response.json()


def saved(api, node_id, **fields):
    response = api.request("PATCH", f"/api/nodes/{node_id}/", fields)
    assert response.status_code == 200, f"{api.host}: {response.status_code} {response.text}"
    return response.json()


def unit_on_both(host1, host2, title):
    """subject > course > unit, written on host1 and arrived on host2; returns them."""
    subject = created(host1, "subject", title)
    course = created(host1, "course", title, subject["id"])
    unit = created(host1, "unit", title, course["id"])
    wait_for(lambda: host2.get(f"/api/nodes/{unit['id']}/").status_code == 200, 1.0,
             "the unit to reach host2")
    return subject, course, unit


# --8<-- [start:two-saves]
def test_two_saves_of_a_lesson_in_a_split_keep_the_earlier_as_a_revision(chapter_lab, faults):
    """Two saves of one lesson in a split: the later is shown, the earlier kept and reported."""
    host1, host2 = (chapter_lab.api(h).sign_in() for h in HOSTS)
    run = uuid.uuid4().hex[:8]
    *_, unit = unit_on_both(host1, host2, f"revisions-{run}")
    lesson = created(host1, "lesson", f"lesson-{run}", unit["id"])
    wait_for(lambda: host2.get(f"/api/nodes/{lesson['id']}/").status_code == 200, 1.0,
             "the lesson to reach host2")
    faults.partition()
    earlier = saved(host1, lesson["id"], title="saved on host1 first")["revision"]
    later = saved(host2, lesson["id"], title="saved on host2 later")["revision"]
    faults.heal()
    chapter_lab.wait_until_identical(30)
    for api in (host1, host2):
        shown = api.get(f"/api/nodes/{lesson['id']}/").json()
        assert (shown["title"], shown["revision"]) == ("saved on host2 later", later), api.host
        assert [r["id"] for r in shown["concurrent_revisions"]] == [earlier], api.host
        kept = {r["id"]: (r["title"], r["host"]) for r in
                api.get(f"/api/nodes/{lesson['id']}/revisions/").json()["results"]}
        assert kept[earlier] == ("saved on host1 first", "host1"), api.host
        assert kept[later] == ("saved on host2 later", "host2"), api.host
# --8<-- [end:two-saves]


def statuses(api, lesson, course):
    urls = ["/api/nodes/", "/api/nodes/?kind=lesson", f"/api/nodes/?parent={course}",
            f"/api/nodes/{course}/children/", f"/api/nodes/{lesson}/",
            f"/api/nodes/{lesson}/children/", f"/api/nodes/{lesson}/revisions/",
            "/api/search/?q=tides"]
    return {url: api.get(url).status_code for url in urls}


def place(api, node_id):
    """(kind, title) of the node and of each node above it, up to its subject."""
    found = []
    while node_id:
        node = api.get(f"/api/nodes/{node_id}/").json()
        found.append((node["kind"], node["title"]))
        node_id = node["parent"]
    return found


# --8<-- [start:orphan]
def test_a_child_of_a_node_deleted_elsewhere_is_served_then_recovered(chapter_lab, faults):
    """A child added under a node deleted on the other host: served, then recovered on both."""
    host1, host2 = (chapter_lab.api(h).sign_in() for h in HOSTS)
    run = uuid.uuid4().hex[:8]
    _, course, unit = unit_on_both(host1, host2, f"orphans-{run}")
    for host in HOSTS:  # the repair runs below, on both hosts at once, not on its timer
        chapter_lab.console(host, "systemctl", "stop", f"{REPAIR}.timer")
    try:
        faults.partition()
        assert host1.request("DELETE", f"/api/nodes/{unit['id']}/").status_code == 204
        lesson = created(host2, "lesson", f"Tides {run}", unit["id"])["id"]
        faults.heal()
        chapter_lab.wait_until_identical(30)
        for api in (host1, host2):
            assert place(api, lesson) == [("lesson", f"Tides {run}")], api.host  # an orphan
            answers = statuses(api, lesson, course["id"])
            assert set(answers.values()) == {200}, f"{api.host}: {answers}"

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda h: chapter_lab.console(h, "systemctl", "start",
                                                        f"{REPAIR}.service"), HOSTS))
        chapter_lab.wait_until_identical(30)
        for api in (host1, host2):
            assert place(api, lesson) == [("lesson", f"Tides {run}"), ("unit", "Recovered"),
                                          ("course", "Recovered"),
                                          ("subject", "Recovered on host2")], api.host
            assert hosts.tree_problems(api.host) == "([], [], [], [], [])", api.host
    finally:
        for host in HOSTS:
            chapter_lab.console(host, "systemctl", "start", f"{REPAIR}.timer")
    for host in HOSTS:
        active = chapter_lab.console(host, "systemctl", "is-active", f"{REPAIR}.timer",
                                     check=False).stdout.strip()
        assert active == "active", f"{host}: the repair's timer is {active}"
# --8<-- [end:orphan]


# --8<-- [start:stranded]
def test_a_child_under_a_retried_create_is_stranded_then_recovered(chapter_lab, faults):
    """A known limit, shown: a create retried on the other host keeps one row, but with that
    host's tree path; a child added under the first attempt loses its parent, and the
    repair puts it in Recovered, not where the teacher put it."""
    host1, host2 = (chapter_lab.api(h).sign_in() for h in HOSTS)
    run, key = uuid.uuid4().hex[:8], str(uuid.uuid4())
    subject = {"kind": "subject", "title": f"retried-{run}"}
    for host in HOSTS:
        chapter_lab.console(host, "systemctl", "stop", f"{REPAIR}.timer")
    try:
        faults.partition()
        first = host1.post("/api/nodes/", subject, idempotency_key=key).json()
        course = created(host1, "course", f"stranded-{run}", first["id"])["id"]
        retry = host2.post("/api/nodes/", subject, idempotency_key=key).json()  # the later
        assert retry["id"] == first["id"]
        faults.heal()
        chapter_lab.wait_until_identical(30)
        for api in (host1, host2):
            assert place(api, course) == [("course", f"stranded-{run}")], api.host  # orphan
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda h: chapter_lab.console(h, "systemctl", "start",
                                                        f"{REPAIR}.service"), HOSTS))
        chapter_lab.wait_until_identical(30)
        for api in (host1, host2):
            assert place(api, course) == [("course", f"stranded-{run}"),
                                          ("subject", "Recovered on host1")], api.host
            assert hosts.tree_problems(api.host) == "([], [], [], [], [])", api.host
    finally:
        for host in HOSTS:
            chapter_lab.console(host, "systemctl", "start", f"{REPAIR}.timer")
# --8<-- [end:stranded]
