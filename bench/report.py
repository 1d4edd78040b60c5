#!/usr/bin/env python
"""Write docs/PERFORMANCE.md from the latest figures of every benchmark in var/bench/.

    .venv/bin/python bench/report.py        # the last step of `make bench`

Each benchmark script writes ``var/bench/<name>-<YYYYMMDD>-<HHMMSS>.json``. This report takes
the newest file of every ``<name>`` (exam_save, sweeps, dashboard, certificates, soak, and
whatever benchmark is added later), and writes the machine (CPU count and model, memory, OS,
PostgreSQL, Redis and Python versions), the date, the commands, each benchmark's main figures
and each figure against its target. Benchmarks that record their own verdicts
(``"verdicts"`` or ``"verdict"``: target → met) are reported with those; the answer-save
benchmark's targets are the ones bench/exam_save.py prints.

A benchmark with no result in var/bench/ (a partial run, or a new machine) keeps its section
and its summary rows from the report being replaced, marked with the date they were measured
and "not re-run", so that rerunning one benchmark never drops the others' figures.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "var" / "bench"
OUTPUT = ROOT / "docs" / "PERFORMANCE.md"
RESULT = re.compile(r"^(?P<name>[a-z][a-z0-9_]*)-(?P<stamp>\d{8}-\d{6})\.json$")
#: Report order; any other benchmark follows, alphabetically.
ORDER = ["exam_save", "password_hash", "morning", "dashboard", "readiness", "certificates",
         "paper_draw", "sweeps", "channels", "soak"]
TITLES = {
    "exam_save": "Exam answer saves (hundreds to thousands of concurrent examinees)",
    "password_hash": "Password checks: OWASP's Argon2id settings and PBKDF2",
    "morning": "The morning of an exam (every broker logs in, opens the exam and starts)",
    "dashboard": "Dashboard at 100,000 brokers",
    "readiness": "Readiness engine at 100,000 brokers: set-based against single-broker looped",
    "certificates": "Certificate issuance",
    "sweeps": "Reminder sweeps",
    "channels": "Reminders by SMS and WeCom",
    "paper_draw": "Certifying paper draws for 2,000 brokers who have seen answer keys",
    "soak": "Soak of the exam scenario",
}
COMMANDS = {
    "exam_save": "bench/exam_save.py",
    "password_hash": "bench/password_hash.py",
    "morning": "bench/morning.py",
    "dashboard": "bench/dashboard.py",
    "readiness": "bench/readiness.py",
    "certificates": "bench/certificates.py",
    "sweeps": "bench/sweeps.py",
    "channels": "bench/channels.py",
    "paper_draw": "bench/paper_draw.py",
    "soak": "bench/soak.py",
}
NOTES = {"soak": "run by `make soak`, not part of `make bench`"}


# --- The results ---------------------------------------------------------------------------------

def latest_results(folder: Path = BENCH_DIR) -> dict[str, tuple[Path, dict]]:
    """The newest ``<name>-<stamp>.json`` of each benchmark name, parsed."""
    # Newest by modification time: the scripts stamp names in local time or UTC as their
    # machine's clock says, so the names do not sort across runs.
    newest: dict[str, tuple[float, Path]] = {}
    for path in folder.glob("*.json") if folder.is_dir() else []:
        match = RESULT.match(path.name)
        if not match:
            continue  # state files such as examinees.json, dashboard-catalogue.json
        name, mtime = match["name"], path.stat().st_mtime
        if name not in newest or mtime > newest[name][0]:
            newest[name] = (mtime, path)
    results = {}
    for name, (_stamp, path) in newest.items():
        if name == "morning":
            path = _newest_morning(folder, before=False) or path
        try:
            results[name] = (path, json.loads(path.read_text()))
        except (OSError, ValueError) as exc:
            print(f"report: skipping {path.name}: {exc}", file=sys.stderr)
    order = {name: i for i, name in enumerate(ORDER)}
    return dict(sorted(results.items(), key=lambda kv: (order.get(kv[0], len(ORDER)), kv[0])))


def _newest_morning(folder: Path, *, before: bool) -> Path | None:
    """The newest morning result of the current code, or (``before``) of the code before it,
    told apart by the label the run was given (``--label "before: …"``)."""
    found = None
    for path in sorted(folder.glob("morning-*.json"), key=lambda p: p.stat().st_mtime):
        try:
            label = str(json.loads(path.read_text()).get("label") or "")
        except (OSError, ValueError):
            continue
        if label.startswith("before") == before:
            found = path
    return found


def verdicts(name: str, data: dict) -> list[tuple[str, bool]]:
    """(target, met) pairs: the benchmark's own, or derived for exam_save."""
    own = data.get("verdicts") or data.get("verdict")
    if isinstance(own, dict):
        return [(str(label), bool(met)) for label, met in own.items()]
    if name == "exam_save":
        out = []
        phases = data.get("phases") or []
        realistic = [p for p in phases if not p["name"].startswith("saturation")]
        if realistic:
            p = realistic[0]
            out.append((f"p99 save under 250 ms at {p['clients']:,} examinees "
                        f"(measured {p['p99_ms']:.0f} ms)", p["p99_ms"] < 250))
            errors = sum((p.get("errors") or {}).values())
            out.append((f"0 errors at {p['clients']:,} examinees (measured {errors})",
                        errors == 0))
        check = data.get("check") or {}
        if "lost" in check:
            out.append((f"0 answers lost (measured {check['lost']} of "
                        f"{check.get('acknowledged', '?')} acknowledged)", check["lost"] == 0))
        ratio = data.get("ratio_endpoint_to_floor")
        if isinstance(ratio, int | float):
            out.append((f"endpoint throughput ≥ half the framework floor (measured "
                        f"{ratio:.2f})", ratio >= 0.5))
        return out
    return []


# --- Figures per benchmark -----------------------------------------------------------------------

def _table(head: list[str], rows: list[list[object]]) -> list[str]:
    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:,.1f}"
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        if isinstance(value, dict):
            return ", ".join(f"{k}: {v}" for k, v in value.items()) or "0"
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def figures_exam_save(data: dict) -> list[str]:
    rows = [[p["name"], p["clients"], p["saves"], sum((p.get("errors") or {}).values()),
             p["saves_per_s"], p["p50_ms"], p["p95_ms"], p["p99_ms"], p["max_ms"],
             p.get("load_average_1min", "")] for p in data.get("phases", [])]
    lines = _table(["phase", "clients", "saves", "errors", "saves/s", "p50 ms", "p95 ms",
                    "p99 ms", "max ms", "load"], rows)
    check = data.get("check") or {}
    if check:
        lines += ["", f"Acknowledged answers checked in the database: "
                      f"{check.get('acknowledged', 0):,}; lost: {check.get('lost', '?')}."]
    return lines


def _floor_units(cpu_ms: object, data: dict) -> str:
    """CPU per broker in framework-floor requests of the same run (comparable across machines
    and loads, unlike milliseconds)."""
    floor = (data.get("floor") or {}).get("server_cpu_ms_per_request")
    if not isinstance(cpu_ms, int | float) or not floor or cpu_ms != cpu_ms:
        return "–"
    return f"{cpu_ms / floor:,.0f}"


def _morning_table(data: dict) -> list[str]:
    steps = ["login page", "login", "exam page", "start", "first save"]
    rows = []
    for sc in data.get("scenarios", []):
        rows.append([sc["name"], sc["completed"], sc["refused"], sc["error_count"]]
                    + [f"{sc['steps'][s]['p50_ms']:,.0f} / {sc['steps'][s]['p99_ms']:,.0f}"
                       for s in steps]
                    + [f"{sc['arrival_to_first_save_p50_ms']:,.0f} / "
                       f"{sc['arrival_to_first_save_p99_ms']:,.0f}",
                       sc["server_cpu_ms_per_broker"],
                       _floor_units(sc["server_cpu_ms_per_broker"], data),
                       sc.get("load_average_1min", "")])
    floor = data.get("floor") or {}
    lines = _table(["scenario", "done", "refused", "errors"]
                   + [f"{s} p50 / p99 ms" for s in steps]
                   + ["arrival → first saved answer p50 / p99 ms", "gunicorn CPU ms per broker",
                      "in floor requests", "load"], rows)
    check = data.get("check") or {}
    lines += ["", f"Password hash: {data.get('password_hasher', '?')}. Framework floor in the "
                  f"same run: {floor.get('server_cpu_ms_per_request', '?')} ms of gunicorn CPU "
                  f"per request. Acknowledged first answers found in the database: "
                  f"{check.get('acknowledged', 0):,}; lost: {check.get('lost', '?')}."]
    return lines


def figures_morning(data: dict) -> list[str]:
    lines = [f"{data.get('label') or 'current code'}:", ""] + _morning_table(data)
    before = _newest_morning(BENCH_DIR, before=True)
    if before is not None:
        old = json.loads(before.read_text())
        lines += ["", f"For comparison, {old.get('label')} (`var/bench/{before.name}`, "
                      f"{old.get('when', '')}):", ""] + _morning_table(old)
    return lines


def figures_sweeps(data: dict) -> list[str]:
    lines = [f"{data.get('enrolments', 0):,} enrolments."]
    for key, title in (("first", "First run (empty reminder log)"),
                       ("second", "Second run (nothing new)")):
        if data.get(key):
            lines += ["", f"{title}:", ""]
            lines += _table(["sweep", "created", "seconds", "queries", "peak RSS MiB"],
                            [[r["sweep"], r["created"], r["seconds"], r["queries"],
                              r["rss_peak_mib"]] for r in data[key]])
    return lines


def figures_dashboard(data: dict) -> list[str]:
    lines = []
    for size, pages in (data.get("sizes") or {}).items():
        lines += ["", f"At {int(size):,} brokers:", ""]
        lines += _table(["page", "requests", "median ms", "p95 ms", "max ms", "queries",
                         "errors"],
                        [[p["page"], p["requests"], p["median_ms"], p["p95_ms"], p["max_ms"],
                          p["queries"], p.get("errors") or 0] for p in pages])
    return lines[1:]


def figures_soak(data: dict) -> list[str]:
    req, worker, check = data.get("requests", {}), data.get("worker", {}), data.get("check", {})
    minutes = (data.get("args") or {}).get("minutes", "?")
    lines = [f"{minutes} minutes, {(data.get('args') or {}).get('brokers', '?')} examinees: "
             f"{req.get('saves', 0):,} saves ({req.get('saves_per_s', 0)}/s, p50 "
             f"{req.get('p50_ms', 0)} ms, p99 {req.get('p99_ms', 0)} ms), "
             f"{req.get('submits', 0)} submits; failed requests {req.get('error_count', '?')}; "
             f"answers lost {check.get('lost', '?')}; worker tasks "
             f"{worker.get('tasks_succeeded', '?')}, errors logged "
             f"{worker.get('errors_logged', '?')}.", ""]
    lines += _table(["processes", "count", "RSS after warm-up MiB", "RSS at end MiB",
                     "growth MiB", "growth %", "trend MiB/h", "peak MiB"],
                    [[group, m.get("processes"), m.get("after_warmup_mib"), m.get("end_mib"),
                      m.get("growth_mib"), m.get("growth_percent"),
                      m.get("trend_mib_per_hour"), m.get("peak_mib")]
                     for group, m in (data.get("memory") or {}).items()])
    return lines


def _scalars(data: object, prefix: str = "") -> list[tuple[str, object]]:
    if isinstance(data, dict):
        out = []
        for key, value in data.items():
            if key in ("args", "verdicts", "verdict", "when", "date", "command", "samples"):
                continue
            out += _scalars(value, f"{prefix}{key}.")
        return out
    if isinstance(data, int | float | str) and not isinstance(data, bool):
        return [(prefix.rstrip("."), data)]
    return []


def figures_generic(data: dict) -> list[str]:
    """Any other benchmark: its scalar figures (nested keys joined with dots)."""
    rows = [[key, value] for key, value in _scalars(data)][:60]
    return _table(["figure", "value"], rows) if rows else ["(no scalar figures recorded)"]


def figures_channels(data: dict) -> list[str]:
    by_channel = data.get("reminders_by_channel") or {}
    lines = [f"{int(data.get('enrolments', 0)):,} enrolments, every broker with SMS and WeCom "
             f"on: all sweeps {data.get('seconds', '?')} s (without SMS and WeCom, same run: "
             f"{data.get('seconds_without_channels', '?')} s; load average "
             f"{data.get('load_average', '?')}); reminders created by channel: "
             + ", ".join(f"{k} {v:,}" for k, v in by_channel.items()) + ".", ""]
    lines += _table(["sweep", "created", "seconds", "queries", "peak RSS MiB"],
                    [[r["sweep"], f"{r['created']:,}", r["seconds"], r["queries"],
                      r["rss_peak_mib"]] for r in data.get("sweeps") or []])
    lines += ["", "Send rate per channel (one process):", ""]
    lines += _table(["channel", "messages", "seconds", "per second"],
                    [[r["channel"], r["messages"], r["seconds"], r["per_second"]]
                     for r in data.get("send_rates") or []])
    return lines


FIGURES: dict[str, Callable[[dict], list[str]]] = {
    "exam_save": figures_exam_save, "morning": figures_morning, "sweeps": figures_sweeps,
    "channels": figures_channels,
    "dashboard": figures_dashboard, "soak": figures_soak,
}


# --- The machine ---------------------------------------------------------------------------------

def _first_line(cmd: list[str]) -> str | None:
    if not shutil.which(cmd[0]):
        return None
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.strip().splitlines()[0] if out.strip() else None


def _proc_value(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _postgres_version() -> str | None:
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            return "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0]
    except Exception:  # noqa: BLE001 - the report still gets written without it
        line = _first_line(["psql", "--version"])
        return f"{line} (client; server not reachable)" if line else None


def _speed(results: dict[str, tuple[Path, dict]]) -> str | None:
    """The framework floor of this report's exam run (a bare Django view doing one upsert,
    saturated): the figure to compare machines by, since absolute targets move with it."""
    _path, data = results.get("exam_save", (None, {}))
    for phase in data.get("phases", []):
        if "floor" in phase.get("name", ""):
            return (f"{phase['saves_per_s']:,.0f} bare-view saves/s, "
                    f"{phase['server_cpu_ms_per_save']:.2f} ms CPU each (exam benchmark's floor)")
    return None


def machine(results: dict[str, tuple[Path, dict]] | None = None) -> list[tuple[str, str]]:
    mem_kib = _proc_value("/proc/meminfo", "MemTotal")
    os_name = None
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    redis = _first_line(["redis-server", "--version"])
    import django

    return [
        ("CPU", f"{os.cpu_count()} × {_proc_value('/proc/cpuinfo', 'model name') or platform.processor() or '?'}"),
        ("memory", f"{int(mem_kib.split()[0]) / 1024 / 1024:.1f} GiB" if mem_kib else "?"),
        ("OS", f"{os_name or platform.system()} (kernel {platform.release()})"),
        ("PostgreSQL", _postgres_version() or "?"),
        ("Redis", redis.split(" sha=")[0] if redis else "?"),
        ("Python / Django", f"{platform.python_version()} / {django.get_version()}"),
        *([("speed", speed)] if (speed := _speed(results or {})) else []),
    ]


# --- The document --------------------------------------------------------------------------------

def _args_line(args: dict | None) -> str:
    if not args:
        return ""
    parts = []
    for key, value in args.items():
        if key in ("database_url",) or value in (None, False):
            continue
        flag = "--" + key.replace("_", "-")
        parts.append(flag if value is True else f"{flag} {value}")
    return " ".join(parts)


# --- Sections kept from the previous report ----------------------------------------------------

_RUN_DATE = re.compile(r"^- Run: (\d{4}-\d{2}-\d{2})")
_NOT_RERUN = "not re-run"
_KEPT = "- Kept from the previous report"


def previous_sections(text: str) -> dict[str, tuple[list[str], list[list[str]]]]:
    """``{title: (section lines, summary rows)}`` of a report written by ``render``."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), [])
        if current is not None:
            current.append(line)
    rows: dict[str, list[list[str]]] = {}
    for line in sections.get("Summary", []):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("benchmark", "---"):
            rows.setdefault(cells[0], []).append(cells)
    return {title: (lines, rows.get(title, [])) for title, lines in sections.items()
            if title not in ("Machine", "Summary")}


def previous_speed(text: str) -> str:
    """The machine's speed line of a report written by ``render`` ("" if none)."""
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0] == "speed":
            return cells[1]
    return ""


def _kept_rows(lines: list[str], rows: list[list[str]]) -> list[list[str]]:
    measured = next((m.group(1) for line in lines if (m := _RUN_DATE.match(line))), "earlier")
    out = []
    for title, target, result in rows:
        if _NOT_RERUN not in result:
            result = f"{result} ({measured}, {_NOT_RERUN})"
        out.append([title, target, result])
    return out


def render(results: dict[str, tuple[Path, dict]], *, now: datetime.datetime,
           command: str, previous: str = "") -> str:
    lines = [
        "# Performance",
        "",
        "Written by `bench/report.py` as the last step of `make bench` from the newest result "
        "of each benchmark in `var/bench/`; do not edit by hand. Rerun with `make bench` "
        "(benchmarks at full scale take about 15 minutes on 2 cores; each script's "
        "`--help` gives smaller scales) and `make soak` (10 minutes).",
        "",
        f"- Date of this report: {now:%Y-%m-%d %H:%M %Z}",
        f"- Command: `{command}`",
        "",
        "## Machine",
        "",
        *_table(["", ""], [[k, v] for k, v in machine(results)]),
        "",
        "The machine may be shared with other work while a benchmark runs: the exam "
        "benchmark records the 1-minute load average at the end of each phase. Machines of "
        "the same name differ in speed: compare runs by the speed line (the framework floor) "
        "before comparing their milliseconds.",
        "",
        "## Summary",
        "",
    ]
    summary = []
    for name, (_path, data) in results.items():
        for label, met in verdicts(name, data):
            summary.append([TITLES.get(name, name), label, "met" if met else "**NOT MET**"])
    fresh = {TITLES.get(name, name) for name in results}
    kept = {title: section for title, section in previous_sections(previous).items()
            if title not in fresh}
    for section, rows in kept.values():
        summary += _kept_rows(section, rows)
    lines += _table(["benchmark", "target", "result"], summary) if summary else \
        ["No benchmark has recorded a target yet."]
    if not results:
        lines += ["", "No results in var/bench/ yet: run `make bench`."]
    for name, (path, data) in results.items():
        when = data.get("when") or data.get("date") or datetime.datetime.fromtimestamp(
            path.stat().st_mtime).astimezone().strftime("%Y-%m-%dT%H:%M:%S%z")
        script = COMMANDS.get(name, f"bench/{name}.py")
        args = _args_line(data.get("args"))
        command = data.get("command") or f"{script}{' ' + args if args else ''}"
        lines += ["", f"## {TITLES.get(name, name)}", "",
                  f"- Run: {when}, `{command}`"
                  + (f" ({NOTES[name]})" if name in NOTES else ""),
                  f"- Result file: `var/bench/{path.name}`", ""]
        lines += FIGURES.get(name, figures_generic)(data)
        own = verdicts(name, data)
        if own:
            lines += ["", "Targets:", ""]
            lines += [f"- [{'met' if met else 'NOT MET'}] {label}" for label, met in own]
    speed = previous_speed(previous)
    for section, _rows in kept.values():
        notes = [line for line in section if line.startswith(_KEPT)]
        body = [line for line in section[1:] if not line.startswith(_KEPT)]
        while body and not body[0].strip():
            body.pop(0)
        while body and not body[-1].strip():
            body.pop()
        note = notes[0] if notes else (
            f"{_KEPT} ({_NOT_RERUN} for this one"
            + (f"; the machine's speed then: {speed}" if speed else "") + ").")
        lines += ["", section[0], "", note, *body]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--results", type=Path, default=BENCH_DIR)
    parser.add_argument("--command", default=os.environ.get("BENCH_COMMAND", "make bench"))
    args = parser.parse_args()
    results = latest_results(args.results)
    now = datetime.datetime.now(datetime.UTC).astimezone()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    previous = args.output.read_text() if args.output.exists() else ""
    args.output.write_text(render(results, now=now, command=args.command, previous=previous))
    print(f"report: {len(results)} benchmarks ({', '.join(results) or 'none'}) → "
          f"{args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
