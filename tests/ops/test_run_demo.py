"""bin/run-demo serves on DEMO_HOST:DEMO_PORT and builds every absolute link from the same
address: the script runs here with stand-ins for Python and Celery that write down the
SITE_URL they were given and the address runserver was asked for, then exit at once."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

RUN_DEMO = Path(__file__).resolve().parents[2] / "bin" / "run-demo"

# The server, the worker and beat each wait until all three have written their line, so that
# the first to exit (which makes run-demo stop the others) leaves every line written.
STAND_IN = """#!/usr/bin/env bash
echo "$(basename "$0") SITE_URL=$SITE_URL DEBUG=$DEBUG ARGS=$*" >> "$RUN_DEMO_LOG"
case " $* " in
  *" runserver "*|*" worker "*|*" beat "*)
    for _ in $(seq 200); do
      [ "$(grep -cE 'runserver|worker|beat' "$RUN_DEMO_LOG")" -ge 3 ] && exit 0
      sleep 0.05
    done ;;
esac
"""


@pytest.fixture
def stand_ins(tmp_path):
    """A VENV_BIN whose python and celery only log their environment and arguments."""
    venv_bin = tmp_path / "bin"
    venv_bin.mkdir()
    for name in ("python", "celery"):
        path = venv_bin / name
        path.write_text(STAND_IN)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return venv_bin


def run_demo(stand_ins, tmp_path, **environment: str) -> list[str]:
    log = tmp_path / "run-demo.log"
    env = {key: value for key, value in os.environ.items()
           if key not in ("SITE_URL", "DEMO_HOST", "DEMO_PORT", "DJANGO_SETTINGS_MODULE")}
    env.update(VENV_BIN=str(stand_ins), RUN_DEMO_LOG=str(log), **environment)
    subprocess.run([str(RUN_DEMO)], env=env, check=False, capture_output=True, timeout=60)
    return log.read_text().splitlines()


def test_site_url_follows_demo_port(stand_ins, tmp_path):
    lines = run_demo(stand_ins, tmp_path, DEMO_PORT="8512")
    assert any("ARGS=manage.py runserver 127.0.0.1:8512" in line for line in lines), lines
    assert len(lines) == 5  # migrate, seed_demo, the server, the worker and beat
    assert all("SITE_URL=http://127.0.0.1:8512 " in line for line in lines), lines


def test_site_url_follows_demo_host_and_defaults_to_port_8000(stand_ins, tmp_path):
    lines = run_demo(stand_ins, tmp_path, DEMO_HOST="192.168.1.20")
    assert all("SITE_URL=http://192.168.1.20:8000 " in line for line in lines), lines


def test_a_site_url_given_is_kept(stand_ins, tmp_path):
    lines = run_demo(stand_ins, tmp_path, DEMO_PORT="8512",
                     SITE_URL="https://academy.example.cn")
    assert all("SITE_URL=https://academy.example.cn " in line for line in lines), lines
