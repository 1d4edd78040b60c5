"""Every settings module the benchmarks serve with starts Django: a benchmark that cannot boot
its server measures nothing (the floor once lacked an app that another's ready() imports)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = ["bench.settings", "bench.floor_settings", "bench.dashboard_settings"]


@pytest.mark.parametrize("module", MODULES)
def test_the_benchmark_settings_start_django_and_load_the_wsgi_application(module):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": module}
    app = "bench.floor" if module == "bench.floor_settings" else "academy.wsgi"
    code = (f"import django; django.setup(); import importlib; "
            f"print(callable(importlib.import_module('{app}').application))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("True")
