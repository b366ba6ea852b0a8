"""The chaos run, short and seeded: clients write on both hosts while the nemesis makes every
kind of fault; every acknowledged write is then found, once, on both hosts (code/chaos)."""

import json

import pytest

from chaos import checker, run

pytestmark = pytest.mark.lab

SEED = 2016  # the same faults at the same moments on every run: a failure can be replayed
SECONDS = 75
CLIENTS = 3


# --8<-- [start:chaos]
def test_under_faults_no_acknowledged_write_is_lost_or_doubled(chapter_lab):
    """Under a minute of faults of every kind, no acknowledged write is lost, duplicated or
    replaced by an older acknowledged one, and the hosts end identical, replicating, with a
    valid tree."""
    run_id, operations, faults = run.run(SEED, SECONDS, CLIENTS)
    assert {fault["kind"] for fault in faults} >= {"poweroff", "partition"}, faults
    result = checker.check(run_id, operations)
    assert result["acknowledged"] > 50, result
    assert result["valid"], json.dumps(result, indent=2)
# --8<-- [end:chaos]
