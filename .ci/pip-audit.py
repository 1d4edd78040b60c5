"""Audit requirements.lock with pip-audit: fail on a known vulnerability, skip (saying why)
only when the vulnerability service cannot be reached. Run by .ci/run with the venv's Python.

pip-audit asks PyPI's JSON API for each pinned version's advisories. A package it could not
look up is reported as skipped; when none could be looked up (no network, or a package
mirror without the JSON API), the audit is skipped with that reason instead of passing
silently.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"
UNREACHABLE = ("ConnectionError", "Max retries", "NameResolution", "timed out",
               "Temporary failure in name resolution", "Network is unreachable")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "audit.json"
        run = subprocess.run(  # noqa: S603 - our own venv's pip-audit, fixed arguments
            [str(Path(sys.executable).parent / "pip-audit"), "-r", str(LOCK), "--no-deps",
             "--disable-pip", "--progress-spinner", "off", "--format", "json",
             "--output", str(report_path)],
            capture_output=True, text=True, timeout=900, check=False,
        )
        report = json.loads(report_path.read_text()) if report_path.exists() else None
    if report is None:
        if any(marker in run.stderr for marker in UNREACHABLE):
            print("pip-audit: SKIPPED — the vulnerability service is unreachable:\n"
                  + run.stderr.strip().splitlines()[-1])
            return 0
        print(f"pip-audit failed (exit {run.returncode}):\n{run.stderr}")
        return 1
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    audited = [d for d in dependencies if "skip_reason" not in d]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} of {len(dependencies)} locked packages have known "
              "vulnerabilities: upgrade them in pyproject.toml, then `make lock`.")
        return 1
    if not audited:
        reasons = {d.get("skip_reason", "") for d in dependencies}
        print(f"pip-audit: SKIPPED — none of the {len(dependencies)} locked packages could be "
              "looked up (the vulnerability service is unreachable from here, e.g. a package "
              f"mirror without PyPI's JSON API): {sorted(reasons)[0][:200]}")
        return 0
    print(f"pip-audit: {len(audited)} locked packages audited, no known vulnerabilities "
          f"({len(dependencies) - len(audited)} could not be looked up).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
