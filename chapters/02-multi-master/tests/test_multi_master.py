"""Chapter 2: two hosts, one database, written on both.

Scenario: the chapter-2 playbook pairs host1 and host2 with pglogical (two-way,
last-update-wins). Each claim makes its fault, then compares both hosts after it heals.
"""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from lab import config, control, hosts
from lab.polling import wait_for

pytestmark = pytest.mark.lab


def exists(api, node_id):
    return api.get(f"/api/nodes/{node_id}/").status_code == 200


# --8<-- [start:within-1s]
@pytest.mark.parametrize("writer, reader", [("host1", "host2"), ("host2", "host1")])
def test_a_write_on_either_host_is_readable_on_the_other_within_1_s(chapter_lab, writer, reader):
    written = chapter_lab.api(writer).sign_in().create_subject(f"from-{writer}-{uuid.uuid4()}")
    other = chapter_lab.api(reader).sign_in()
    wait_for(lambda: exists(other, written["id"]), 1.0,
             f"the subject written on {writer} to be readable on {reader}")
# --8<-- [end:within-1s]


def replicating(health):
    replication = health["replication"]
    return replication if replication and replication["state"] == "replicating" else None


def test_health_reports_the_peer_replicating_with_its_lag(chapter_lab):
    for host, peer in (("host1", "host2"), ("host2", "host1")):
        # Polled: right after an earlier test's heal, the watcher may be restarting the
        # subscription (state "restarting", pglogical's "disabled") for a moment.
        replication = wait_for(lambda h=host: replicating(chapter_lab.api(h).health()), 30,
                               f"{host} to report replication running")
        assert replication["peer"] == peer
        assert replication["lag_seconds"] < 3 and replication["lag_bytes"] is not None


def test_signing_in_on_host1_gives_a_session_that_host2_accepts(chapter_lab):
    host1 = chapter_lab.api("host1").sign_in()
    host2 = chapter_lab.api("host2")
    host2.session.cookies.set("sessionid", host1.session.cookies["sessionid"])
    wait_for(lambda: host2.get("/api/auth/me/").status_code == 200, 1.0,
             "host2 to accept the session made on host1")


# --8<-- [start:sequences]
def test_integer_keys_collide_and_lose_a_row_while_uuid_keys_never_do(chapter_lab, faults):
    for host in ("host1", "host2"):  # a scratch table keyed by a sequence, on both hosts
        chapter_lab.sql(host, "CREATE TABLE scratch_serial (id serial PRIMARY KEY, host text);"
                        "SELECT pglogical.replication_set_add_table('default', "
                        "'scratch_serial', false);")
    try:
        faults.partition()  # both hosts write before either sees the other's row
        for host in ("host1", "host2"):
            chapter_lab.sql(host, f"INSERT INTO scratch_serial (host) VALUES ('{host}')")
        run = uuid.uuid4().hex[:8]
        written = [chapter_lab.api(host).sign_in().create_subject(f"uuid-{run}-{host}-{i}")["id"]
                   for host in ("host1", "host2") for i in range(10)]
        faults.heal()
        chapter_lab.wait_until_identical(30)
        # Two inserts were acknowledged; both got id 1; one of them is gone on both hosts.
        assert chapter_lab.sql("host1", "SELECT count(*) FROM scratch_serial") == "1"
        for host in ("host1", "host2"):
            found = chapter_lab.sql(host, f"SELECT count(*) FROM curriculum_node "
                                    f"WHERE title LIKE 'uuid-{run}-%'")
            assert found == str(len(written)), f"{host} has {found} of {len(written)}"
    finally:
        for host in ("host1", "host2"):
            chapter_lab.sql(host, "SELECT pglogical.replication_set_remove_table('default', "
                            "'scratch_serial'); DROP TABLE scratch_serial;")
# --8<-- [end:sequences]


# --8<-- [start:last-update-wins]
def test_two_edits_of_one_subject_in_a_split_converge_to_the_later(chapter_lab, faults):
    """Two edits of one subject, one on each side of a split, converge to the later one.

    One teacher, signed in on both hosts (a laptop on one, a phone on the other), retitles
    the same subject on each side of a partition: after it heals, both hosts hold the later
    title, and host1's PostgreSQL log records the conflict."""
    host1, host2 = (chapter_lab.api(h).sign_in() for h in ("host1", "host2"))
    subject = host1.create_subject(f"conflict-{uuid.uuid4()}")
    wait_for(lambda: exists(host2, subject["id"]), 1.0, "the subject to reach host2")
    faults.partition()
    url = f"/api/nodes/{subject['id']}/"
    for api, title in ((host1, "written on host1 first"), (host2, "written on host2 later")):
        response = api.session.patch(api.base + url, json={"title": title}, timeout=5,
                                     headers={"X-CSRFToken": api.session.cookies["csrftoken"]})
        assert response.status_code == 200
    faults.heal()
    for api in (host1, host2):
        wait_for(lambda a=api: a.get(url).json()["title"] == "written on host2 later", 10,
                 f"{api.host} to hold the later write")
    wait_for(lambda: "CONFLICT: remote UPDATE" in chapter_lab.console(
        "host1", "grep", "-h", "CONFLICT", config.POSTGRESQL_LOG,
        check=False).stdout, 5, "host1's PostgreSQL log to record the conflict")
# --8<-- [end:last-update-wins]


def acknowledged_writes(api, prefix, count):
    return {s["id"]: s["title"] for s in
            (api.create_subject(f"{prefix}-{i}") for i in range(count))}


def rows_on(lab, host, prefix):
    rows = lab.sql(host, f"SELECT id, title FROM curriculum_node WHERE title LIKE '{prefix}-%'")
    return dict(line.split("|") for line in rows.splitlines())


# --8<-- [start:power-off]
def test_host2_catches_up_after_a_hard_poweroff_and_replicates_in_5_s(chapter_lab, faults):
    """Host2, powered off hard, catches up when it returns; its new writes reach host1 in 5 s."""
    run = uuid.uuid4().hex[:8]
    faults.poweroff("host2")
    host1 = chapter_lab.api("host1").sign_in()
    written = acknowledged_writes(host1, f"while-host2-off-{run}", 30)

    faults.boot("host2")
    chapter_lab.wait_until_serving("host2", timeout=60)
    wait_for(lambda: rows_on(chapter_lab, "host2", f"while-host2-off-{run}") == written, 30,
             "every write acknowledged by host1 to reach host2")

    after = chapter_lab.api("host2").sign_in().create_subject(f"after-return-{run}")
    wait_for(lambda: exists(host1, after["id"]), 5.0,
             "a write on the returned host2 to reach host1")
    chapter_lab.wait_until_identical(30)
# --8<-- [end:power-off]


# --8<-- [start:partition]
def test_both_sides_of_a_partition_take_writes_and_lose_none(chapter_lab, faults):
    """In a partition both hosts take writes, and after it heals nothing acknowledged is lost."""
    run = uuid.uuid4().hex[:8]
    faults.partition()
    apis = {h: chapter_lab.api(h).sign_in() for h in ("host1", "host2")}
    with ThreadPoolExecutor(2) as pool:
        results = pool.map(lambda h: acknowledged_writes(apis[h], f"split-{run}-{h}", 25),
                           apis)
    written = {k: v for result in results for k, v in result.items()}
    faults.heal()
    chapter_lab.wait_until_identical(30)
    for host in ("host1", "host2"):
        assert rows_on(chapter_lab, host, f"split-{run}") == written, f"{host} lost a write"
# --8<-- [end:partition]


def children_counted(lab, host, node_id):
    """(the application's numchild, the child rows in the table) for a node on one host."""
    app = lab.console(host, "eduworld-manage", "shell", "--no-imports", "-c",
                      "from eduworld.curriculum.models import Node; "
                      f"print(Node.objects.get(pk='{node_id}').numchild)").stdout.strip()
    rows = lab.sql(host, "SELECT count(*) FROM curriculum_node c JOIN curriculum_node p "
                   "ON c.path LIKE p.path || '%' AND c.depth = p.depth + 1 "
                   f"WHERE p.id = '{node_id}'")
    return app, rows


# --8<-- [start:tree]
def test_children_added_on_both_hosts_at_once_keep_the_tree_valid(chapter_lab):
    """Children added to one parent on both hosts at once keep the tree valid, its counts right."""
    host1, host2 = (chapter_lab.api(h).sign_in() for h in ("host1", "host2"))
    parent = host1.create_subject(f"tree-{uuid.uuid4()}")
    wait_for(lambda: exists(host2, parent["id"]), 1.0, "the parent to reach host2")

    def add_children(api):
        return [api.post("/api/nodes/", {"kind": "course", "title": f"{api.host}-{i}",
                                         "parent": parent["id"]}).status_code
                for i in range(15)]

    with ThreadPoolExecutor(2) as pool:
        statuses = [s for result in pool.map(add_children, (host1, host2)) for s in result]
    assert statuses == [201] * 30
    chapter_lab.wait_until_identical(30)
    for host in ("host1", "host2"):
        assert hosts.tree_problems(host) == "([], [], [], [], [])", host
        counted = children_counted(chapter_lab, host, parent["id"])
        assert counted == ("30", "30"), f"{host} counts {counted} (application, rows)"
    chapter_lab.wait_until_replicating(30)
# --8<-- [end:tree]


def test_a_child_on_one_host_does_not_undo_a_parent_rename_on_the_other(chapter_lab, faults):
    """A child added on one host does not undo a rename of its parent on the other."""
    host1, host2 = (chapter_lab.api(h).sign_in() for h in ("host1", "host2"))
    parent = host1.create_subject(f"rename-{uuid.uuid4()}")
    wait_for(lambda: exists(host2, parent["id"]), 1.0, "the parent to reach host2")
    url = f"/api/nodes/{parent['id']}/"
    faults.partition()  # host1 adds the child before the rename can reach it
    renamed = host2.session.patch(host2.base + url, json={"title": "renamed on host2"},
                                  timeout=5,
                                  headers={"X-CSRFToken": host2.session.cookies["csrftoken"]})
    assert renamed.status_code == 200
    added = host1.post("/api/nodes/", {"kind": "course", "title": "added on host1 later",
                                       "parent": parent["id"]})
    assert added.status_code == 201
    faults.heal()
    chapter_lab.wait_until_identical(30)
    for api in (host1, host2):
        assert api.get(url).json()["title"] == "renamed on host2", f"{api.host} undid the rename"
        assert children_counted(chapter_lab, api.host, parent["id"]) == ("1", "1"), api.host


def test_truncating_a_replicated_table_is_refused_and_nothing_is_lost(chapter_lab):
    before = chapter_lab.table_checksums("host1")
    flush = chapter_lab.console("host1", "eduworld-manage", "flush", "--no-input", check=False)
    assert flush.returncode != 0, "manage.py flush truncated the replicated tables"
    truncate = chapter_lab.console("host1", "runuser", "-u", "postgres", "--", "psql",
                                   "-d", "eduworld", "-c", "TRUNCATE curriculum_node CASCADE",
                                   check=False)
    assert "TRUNCATE of curriculum_node refused" in truncate.stderr
    assert chapter_lab.table_checksums("host1") == before
    chapter_lab.wait_until_identical(10)


def test_a_second_run_of_the_chapter_2_playbook_changes_nothing_on_either_host(chapter_lab):
    assert control.reapply() == {"host1": 0, "host2": 0}
