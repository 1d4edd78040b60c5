"""docs/PERFORMANCE.md keeps the figures of the benchmarks a run did not redo."""

from __future__ import annotations

import datetime
import json

from bench import report

NOW = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC)


def _result(folder, name: str, stamp: str, verdicts: dict[str, bool]):
    path = folder / f"{name}-{stamp}.json"
    path.write_text(json.dumps({"when": "2026-12-07T08:00:00", "verdicts": verdicts,
                                "figure": 1}))
    return path


def test_a_partial_run_keeps_the_other_sections_marked_not_re_run(tmp_path):
    first = {
        "sweeps": (_result(tmp_path, "sweeps", "20261127-100000", {"all sweeps under 10 s": True}),
                   {"when": "2026-11-27T10:00:00", "verdicts": {"all sweeps under 10 s": True}}),
        "channels": (_result(tmp_path, "channels", "20261127-100000", {"under 10 s": False}),
                     {"when": "2026-11-27T10:00:00", "verdicts": {"under 10 s": False}}),
    }
    earlier = report.render(first, now=NOW, command="make bench")

    fresh = {"channels": (_result(tmp_path, "channels", "20261207-080000", {"under 10 s": True}),
                          {"when": "2026-12-07T08:00:00", "verdicts": {"under 10 s": True}})}
    text = report.render(fresh, now=NOW, command="bench/channels.py", previous=earlier)

    sweeps = report.TITLES["sweeps"]
    channels = report.TITLES["channels"]
    assert f"| {sweeps} | all sweeps under 10 s | met (2026-11-27, not re-run) |" in text
    assert f"| {channels} | under 10 s | met |" in text
    assert f"| {channels} | under 10 s | **NOT MET** |" not in text
    assert text.count(f"## {sweeps}") == 1
    assert text.count(f"## {channels}") == 1
    assert "- Kept from the previous report (not re-run for this one" in text

    # Kept twice: still one section, one note, the first date.
    again = report.render(fresh, now=NOW, command="bench/channels.py", previous=text)
    assert again.count(f"## {sweeps}") == 1
    assert again.count("- Kept from the previous report") == 1
    assert f"| {sweeps} | all sweeps under 10 s | met (2026-11-27, not re-run) |" in again
