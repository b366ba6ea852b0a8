"""The versions the book quotes (bench/results/versions.json, written by `make
bench-versions`) are the ones the hosts run: the book never types a version by hand. The lab's
own constants for the hosts (PostgreSQL's major version, Python's) must match them too."""

import json

import pytest

from lab import config, versions

RECORDED = config.ROOT / "bench" / "results" / "versions.json"


@pytest.mark.lab
def test_the_versions_the_book_quotes_are_the_ones_both_hosts_run(chapter_lab):
    recorded = json.loads(RECORDED.read_text())["figures"]
    for host in config.HOSTS:
        running = versions.read(host)
        assert running == recorded, (f"{host} runs {running}, the book quotes {recorded}: "
                                     "run `make bench-versions` to record what the hosts run")
        assert running["postgresql"].split(".")[0] == config.POSTGRESQL
        assert running["python"].startswith(config.HOST_PYTHON + ".")
