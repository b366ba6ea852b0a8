"""Chapter 3: `migrate` on one host migrates both, while both take writes.

Scenario: the chapter-3 lab (a replicating pair). Each test takes a migration back and then
forward again on host1 while pgbench writes sessions on both hosts, and checks that both
schemas are identical, that replication flows both ways, and that every table matches.
"""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from lab import config
from lab.polling import wait_for

pytestmark = pytest.mark.lab

SCHEMA_SQL = """
SELECT string_agg(line, E'\\n' ORDER BY line) FROM (
  SELECT format('column %s.%s %s %s %s', table_name, column_name, data_type, is_nullable,
                column_default) AS line
  FROM information_schema.columns WHERE table_schema = 'public'
  UNION ALL
  SELECT format('trigger %s on %s', tgname, tgrelid::regclass) FROM pg_trigger
  WHERE NOT tgisinternal
  UNION ALL
  SELECT format('function %s', oid::regprocedure) FROM pg_proc
  WHERE pronamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('migration %s.%s', app, name) FROM django_migrations
) lines
"""

PGBENCH_SCRIPT = ("INSERT INTO django_session (session_key, session_data, expire_date) "
                  "VALUES (md5(random()::text || clock_timestamp()::text), 'load', "
                  "now() + interval '1 day');")


def schema(lab, host):
    return lab.sql(host, SCHEMA_SQL)


class WriteLoad:
    """pgbench inserting sessions on both hosts at 50 writes/s each, in the background."""

    def __init__(self, lab, seconds):
        self.lab, self.seconds, self.threads, self.errors = lab, seconds, [], []

    def run(self, host):
        try:
            self.lab.console(host, "sh", "-c", f"echo \"{PGBENCH_SCRIPT}\" > /tmp/load.sql")
            self.lab.console(host, "runuser", "-u", "postgres", "--",
                             f"{config.POSTGRESQL_BIN}/pgbench", "-n", "-f", "/tmp/load.sql",
                             "-R", "50", "-T", str(self.seconds), "-c", "1", "eduworld")
        except Exception as err:  # reported by the test, not lost in a thread
            self.errors.append(err)

    def __enter__(self):
        self.threads = [threading.Thread(target=self.run, args=(h,)) for h in ("host1", "host2")]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        for thread in self.threads:
            thread.join()
        assert not self.errors, self.errors


def migrate(lab, host, app, target):
    result = lab.console(host, "eduworld-manage", "migrate", app, target, "--no-input",
                         check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def replicates_both_ways(lab):
    for writer, reader in (("host1", "host2"), ("host2", "host1")):
        key = uuid.uuid4().hex
        lab.sql(writer, f"INSERT INTO django_session VALUES ('{key}', 'probe', now())")
        wait_for(lambda k=key, r=reader: lab.sql(
            r, f"SELECT count(*) FROM django_session WHERE session_key = '{k}'") == "1",
            2.0, f"a row written on {writer} to reach {reader}")


def assert_pair_in_step(lab):
    wait_for(lambda: schema(lab, "host1") == schema(lab, "host2"), 10,
             "both schemas to be identical")
    replicates_both_ways(lab)
    lab.wait_until_identical(30)


@pytest.fixture(autouse=True, scope="module")
def migrated_at_the_end(chapter_lab):
    """The tests step apps back and forth: the lab ends with every migration applied, so
    that the application and its schema match again for whatever runs next."""
    yield
    chapter_lab.console("host1", "eduworld-manage", "migrate", "--no-input")
    assert_pair_in_step(chapter_lab)


# --8<-- [start:migrations]
@pytest.mark.parametrize("app, before, after, what", [
    ("accounts", "0001_initial", "0002_preferences", "a NOT NULL column with a default"),
    ("curriculum", "0002_numchild_trigger", "0003_lesson_note", "a new table"),
    ("boards", "0001_initial", "0002_drop_paired_at", "a column removed (contract step)"),
    ("curriculum", "0003_lesson_note", "0004_numchild_counted_on_read",
     "a trigger dropped, a column kept with a default (expand step)"),
])
def test_migrate_on_host1_changes_both_hosts_while_both_take_writes(
        chapter_lab, app, before, after, what):
    with WriteLoad(chapter_lab, seconds=12):
        migrate(chapter_lab, "host1", app, before)
        assert_pair_in_step(chapter_lab)
        migrate(chapter_lab, "host1", app, after)
        assert_pair_in_step(chapter_lab)
    assert_pair_in_step(chapter_lab)
# --8<-- [end:migrations]


def test_a_new_table_replicates_both_ways_from_its_first_row(chapter_lab):
    migrate(chapter_lab, "host1", "curriculum", "0002_numchild_trigger")
    migrate(chapter_lab, "host1", "curriculum", "0003_lesson_note")
    node, author = chapter_lab.sql("host1", "SELECT id, owner_id FROM curriculum_node "
                                            "LIMIT 1").split("|")
    for writer, reader in (("host1", "host2"), ("host2", "host1")):
        note = str(uuid.uuid4())
        chapter_lab.sql(writer, f"INSERT INTO curriculum_lessonnote VALUES ('{note}', "
                                f"'first row from {writer}', now(), '{author}', '{node}')")
        wait_for(lambda n=note, r=reader: chapter_lab.sql(
            r, f"SELECT count(*) FROM curriculum_lessonnote WHERE id = '{n}'") == "1",
            2.0, f"the note written on {writer} to reach {reader}")


# --8<-- [start:both-at-once]
def test_migrate_started_on_both_hosts_at_once_runs_once(chapter_lab):
    """Migrate started on both hosts at once runs once, and the other finds nothing to do."""
    migrate(chapter_lab, "host1", "accounts", "0001_initial")
    assert_pair_in_step(chapter_lab)
    with ThreadPoolExecutor(2) as pool:
        outputs = list(pool.map(lambda h: migrate(chapter_lab, h, "accounts", "0002_preferences"),
                                ("host1", "host2")))
    applied = [out for out in outputs if "Applying accounts.0002_preferences... OK" in out]
    idle = [out for out in outputs if "No migrations to apply" in out]
    assert (len(applied), len(idle)) == (1, 1), outputs
    assert_pair_in_step(chapter_lab)
# --8<-- [end:both-at-once]
