"""The web server's warm-up before it forks: templates compiled, nothing left connected, and
gunicorn's own configuration loading it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from django.template import engines

from academy import warmup
from academy.warmup import warm_up

ROOT = Path(__file__).resolve().parents[2]


def test_warm_up_compiles_the_templates_and_closes_every_connection(db, monkeypatch):
    closed = []
    monkeypatch.setattr(warmup.connections, "close_all", lambda: closed.append("database"))
    monkeypatch.setattr(warmup, "close_caches", lambda: closed.append("cache"))
    counts = warm_up()
    assert counts["templates"] > 100
    assert closed == ["database", "cache"]  # a worker must open its own
    loader = engines["django"].engine.template_loaders[0]
    assert "base.html" in {key.split("-")[0] for key in loader.get_template_cache}


def test_gunicorn_reads_the_projects_configuration():
    """``gunicorn --check-config`` from the project's directory loads gunicorn.conf.py."""
    checked = subprocess.run(
        [str(Path(sys.executable).with_name("gunicorn")), "--check-config",
         "--print-config", "academy.wsgi:application"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "check-config-only",
             "ALLOWED_HOSTS": "localhost", "DJANGO_SETTINGS_MODULE": "academy.settings.prod",
             "WEB_CONCURRENCY": "7"})
    assert checked.returncode == 0, checked.stderr
    printed = {name.strip(): value.strip() for name, value in (
        line.split(" = ", 1) for line in checked.stdout.splitlines() if " = " in line)}
    assert printed["config"] == "./gunicorn.conf.py"
    assert printed["preload_app"] == "True"
    assert printed["workers"] == "7"
