"""bin/backup-restore-check: a backup that is proven to restore (docs/OPERATIONS.md, Backups).

The script dumps the database, restores it into a fresh database and compares the row count
of every table; it archives the media folder and the signing keys and compares every file
after extraction. Here it runs against the test database with real rows in it.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from academy.audit.models import AuditEvent
from academy.people.models import User
from exams.models import Answer, Attempt
from tests import services
from tests.exams.factories import (
    QuestionFactory,
    SittingFactory,
    enrolled_broker,
    fixed_paper,
    start,
)
from tests.exams.factories import answer as save_answer
from tests.flows.conftest import database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SCRIPT = BASE_DIR / "bin" / "backup-restore-check"


def _script_module():
    loader = importlib.machinery.SourceFileLoader("backup_restore_check", str(SCRIPT))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=BASE_DIR,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_restores_every_table_and_file(tmp_path):
    if connection.vendor != "postgresql":
        services.missing("PostgreSQL not configured (set DATABASE_URL=postgres://...): the "
                         "backup is a pg_dump restored into a fresh database")
    sitting = SittingFactory(paper=fixed_paper([QuestionFactory() for _ in range(3)]))
    broker = enrolled_broker(sitting)
    attempt = start(sitting, broker)
    save_answer(attempt, 0, "B")
    media = tmp_path / "media"
    (media / "practice" / "2026").mkdir(parents=True)
    (media / "practice" / "2026" / "合同.pdf").write_bytes(b"%PDF-1.4 " + os.urandom(4096))
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "signing-ed25519.pem").write_text("-----BEGIN PRIVATE KEY-----\n...\n")
    (keys / "jwks.json").write_text('{"keys": []}')

    result = _run("--database-url", database_url(connection.settings_dict),
                  "--media", str(media), "--keys", str(keys),
                  "--backup-dir", str(tmp_path / "backup"), "--json")

    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["problems"] == []
    counts = report["database"]["counts"]
    assert counts["public.people_user"] == User.objects.count() >= 1
    assert counts["public.exams_attempt"] == Attempt.objects.count() == 1
    assert counts["public.exams_answer"] == Answer.objects.count() == 1
    assert counts["public.audit_auditevent"] == AuditEvent.objects.count()
    assert "public.django_migrations" in counts
    assert report["media"]["files"] == 1 and report["keys"]["files"] == 2
    kept = sorted(p.name for p in (tmp_path / "backup").iterdir())
    assert kept == ["database.dump", "keys.tar.gz", "manifest.json", "media.tar.gz"]
    assert (tmp_path / "backup" / "keys.tar.gz").stat().st_mode & 0o077 == 0
    # The restored database was dropped again.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s",
                       [report["database"]["restored_into"]])
        assert cursor.fetchone()[0] == 0


def test_a_differing_or_missing_table_is_reported():
    compare = _script_module().compare_counts
    source = {"public.people_user": 56, "public.exams_answer": 900, "public.audit_auditevent": 3}
    assert compare(source, dict(source)) == []
    problems = compare(source, {"public.people_user": 56, "public.exams_answer": 899})
    assert problems == [
        "table public.audit_auditevent missing from the restored database",
        "table public.exams_answer: 900 rows, restored 899",
    ]


def test_files_are_compared_after_extraction(tmp_path):
    module = _script_module()
    folder = tmp_path / "media"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "one.bin").write_bytes(b"x" * 1000)
    (folder / "two.txt").write_text("二")
    part = module.files_check("media", folder, tmp_path / "media.tar.gz")
    assert part["problems"] == [] and part["files"] == 2 and part["bytes"] == 1003


def test_without_a_database_url_it_says_so(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run([sys.executable, str(SCRIPT), "--media", str(tmp_path)],
                            cwd=BASE_DIR, capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2
    assert "set DATABASE_URL or pass --database-url" in result.stderr


def test_a_sqlite_url_is_refused_with_a_clear_message():
    result = _run("--database-url", "sqlite:///var/academy.sqlite3")
    assert result.returncode == 2
    assert "DATABASE_URL must be a PostgreSQL URL" in result.stderr
