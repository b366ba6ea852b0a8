"""Measured figures: a bench keeps the median and the spread of repeated runs, refuses a
busy machine, and the book quotes the median with its range. No lab: a made-up record."""

import importlib.util
import json
from pathlib import Path

import pytest

from book import figures

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[2]


def bench_results():
    """bench/results.py, the benches' shared helpers (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_results", ROOT / "bench" / "results.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


QUIET = {"load_1m": 0.12, "load_5m": 0.3, "load_15m": 0.4, "cpu_busy_pct": 3.0}
BUSY = {"load_1m": 1.84, "load_5m": 1.2, "load_15m": 0.6, "cpu_busy_pct": 61.0}


def test_a_figure_measured_several_times_reads_as_its_median_and_range(tmp_path, monkeypatch):
    results = bench_results()
    warm = results.summary([47.21, 43.04, 44.66])
    assert warm == {"median": 44.7, "min": 43.0, "max": 47.2, "runs": 3}
    assert results.summary([0.66, 0.7, 0.612]) == {"median": 0.66, "min": 0.61, "max": 0.7,
                                                   "runs": 3}
    record = {"measured": "2026-11-28 10:00 UTC", "machine": "Linux x86_64, 2 cores",
              "command": "make bench", "load": {"before": QUIET, "after": QUIET},
              "figures": {"warm_up_s": warm, "once_s": results.summary([5.3]),
                          "rows": results.summary([1000, 1000, 1000]), "chapter": "03"}}
    (tmp_path / "lab.json").write_text(json.dumps(record))
    monkeypatch.setattr(figures, "RESULTS", tmp_path)

    page = ("{{ figure lab.warm_up_s }} s; {{ figure lab.warm_up_s.median }} s of "
            "{{ figure lab.warm_up_s.runs }} runs; {{ figure lab.once_s }}; "
            "{{ figure lab.rows }}; {{ figure lab.chapter }}; {{ figure lab.measured }}; "
            "{{ figure lab.load.before.load_1m }}")
    assert figures.fill(page, "a page") == (
        "44.7 (43.0-47.2) s; 44.7 s of 3 runs; 5.3 (1 run); 1000 (all 3 runs); 03; "
        "2026-11-28 10:00 UTC; 0.12")
    with pytest.raises(figures.UnknownFigure, match="a page: bench 'lab' has no figure 'cold_s'"):
        figures.fill("{{ figure lab.cold_s }}", "a page")
    with pytest.raises(figures.UnknownFigure, match="'warm_up_s' has no 'mean'; it has: median"):
        figures.fill("{{ figure lab.warm_up_s.mean }}", "a page")
    with pytest.raises(figures.UnknownFigure, match="quote one of them: lab.load.before"):
        figures.fill("{{ figure lab.load }}", "a page")


def test_a_bench_refuses_to_measure_or_save_on_a_busy_machine_and_says_why(tmp_path,
                                                                          monkeypatch):
    results = bench_results()
    monkeypatch.setattr(results.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(results, "FOLDER", tmp_path / "results")
    assert results.busy(QUIET) is None
    reason = results.busy(BUSY)
    assert "1-minute load average is 1.84, over 1.0" in reason
    assert "other processes kept 61% of the 2 cores busy" in reason

    monkeypatch.setattr(results, "load", lambda: dict(BUSY))
    with pytest.raises(SystemExit, match="not measuring: the machine is busy: the 1-minute"):
        results.quiet()
    with pytest.raises(SystemExit, match="not writing bench/results/lab.json: .* 61%"):
        results.save("lab", "make bench", {}, QUIET)
    assert not (tmp_path / "results").exists()

    # --force measures and saves anyway, and the record says why it is not to be trusted.
    assert results.quiet(force=True) == BUSY
    path = results.save("lab", "make bench", {"down_s": results.summary([5.1, 5.3, 5.2])},
                        BUSY, force=True)
    record = json.loads(path.read_text())
    assert record["forced"].startswith("before: the 1-minute load average is 1.84")
    assert "after: other processes kept 61%" in record["forced"]
    assert record["load"]["before"] == BUSY and record["load"]["after"] == BUSY
    assert record["figures"]["down_s"] == {"median": 5.2, "min": 5.1, "max": 5.3, "runs": 3}
    assert {"measured", "machine", "command"} <= set(record)

    # On a quiet machine, nothing is marked.
    monkeypatch.setattr(results, "load", lambda: dict(QUIET))
    assert results.quiet() == QUIET
    record = json.loads(results.save("lab", "make bench", {}, QUIET).read_text())
    assert "forced" not in record and record["load"]["limits"] == {"load_1m": 1.0,
                                                                   "cpu_busy_pct": 25}


def test_the_readmes_disk_figures_are_the_measured_ones():
    """The README cannot quote figures by name (it is read on its own): its disk and memory
    figures are typed, so this checks each against bench/results/disk.json."""
    measured = json.loads((ROOT / "bench" / "results" / "disk.json").read_text())["figures"]
    readme = " ".join((ROOT / "README.md").read_text().split())
    for name in ("caches_gb", "snapshot_per_chapter_gb", "hosts_up_gb", "memory_two_hosts_gb",
                 "venv_gb", "node_modules_gb"):
        assert f" {measured[name]} GB" in readme, f"README does not say {name} = {measured[name]}"
