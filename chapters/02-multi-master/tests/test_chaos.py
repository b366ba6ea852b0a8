"""The chaos run, short and seeded: clients write on both hosts while the nemesis makes every
kind of fault; every acknowledged write is then found, once, on both hosts (code/chaos)."""

import json

import pytest

from chaos import checker, run

pytestmark = pytest.mark.lab

# The same faults at the same moments on every run, so a failure can be replayed; this seed's
# 75 s hold every kind: a partition, a power-off, two cut cables, PostgreSQL and nginx paused.
SEED = 2017
SECONDS = 75
CLIENTS = 3


# --8<-- [start:chaos]
def test_under_faults_no_acknowledged_write_is_lost_or_doubled(chapter_lab):
    """Under 75 s of faults of every kind, no acknowledged write is lost, duplicated or
    replaced by an older acknowledged one, and the hosts end identical, replicating, with a
    valid tree."""
    run_id, operations, faults = run.run(SEED, SECONDS, CLIENTS)
    assert {fault["kind"] for fault in faults} == set(run.FAULTS), faults
    result, _verdicts = checker.check(run_id, operations)
    assert result["acknowledged"] > 50, result
    assert result["valid"], json.dumps(result, indent=2)
# --8<-- [end:chaos]
