#!/usr/bin/env python
"""Benchmark of reminders with SMS and WeCom on: the sweeps over 100,000 enrolments, and the
send rate of each channel.

    .venv/bin/python bench/channels.py                  # part of `make bench`
    .venv/bin/python bench/channels.py --enrolments 20000 --keep --messages 300

1. Creates ``academy_bench_channels`` afresh (``BENCH_CHANNELS_DATABASE_URL``) with the data
   of bench/sweeps.py (its ``seed``), then gives every broker a verified mobile number, a
   WeCom id and the choice of SMS for every kind with an approved template (the demo's six
   reminder kinds): SMS enabled for everybody. One broker in ten also chose WeCom.
2. Runs every registered sweep once, each in a fresh process, with the SMS and WeCom backends
   on (bench/sweeps.py's ``--one``): the reminders of all channels are inserted, and what is
   due handed to an in-memory Celery broker, as in bench/sweeps.py. Target: all sweeps under
   10 s, as without SMS.
3. Sends ``--messages`` pending reminders of each channel through ``reminders_send_many``
   (what the worker runs): SMS through the real Aliyun and Tencent SDKs to the local
   stand-ins of tests/notifications/standins.py (signatures checked), WeCom through its
   client to the WeCom stand-in, SMS and WeCom to files, and e-mail through Django's
   in-memory backend. Reported: messages per second per channel, in one process (a worker's
   concurrency multiplies it).

Results are printed and written to var/bench/channels-<time>.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/academy_bench_channels"
CHANNEL_ENV = {"NOTIFY_SMS_BACKEND": "file", "NOTIFY_WECOM_BACKEND": "file"}
WECOM_SHARE = 10  # one broker in ten also chose WeCom


def _env(url: str) -> dict[str, str]:
    from bench.sweeps import _env as sweeps_env

    env = sweeps_env(url)
    env.update(CHANNEL_ENV)
    env["BENCH_SWEEPS_DATABASE_URL"] = url  # bench/sweeps.py --one runs on this database
    env["NOTIFY_SMS_FILE_DIR"] = str(ROOT / "var" / "bench" / "sms")
    return env


def _setup_django(url: str) -> None:
    os.environ.update(_env(url))
    import django

    django.setup()


def seed_channels() -> dict[str, int]:
    """Verified numbers, WeCom ids and SMS + WeCom choices for every broker (COPY)."""
    from django.db import connection

    from academy.notifications.demo import DEMO_SMS_TEMPLATES, sms_templates_seed
    from bench.sweeps import _copy

    sms_templates_seed()
    kinds = [k for k in DEMO_SMS_TEMPLATES if k != "phone_verification"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM people_user WHERE email LIKE 'b%%@bench.local' "
                       "ORDER BY id")
        brokers = [row[0] for row in cursor.fetchall()]
    from django.utils import timezone

    now = timezone.now()
    counts = {"verified_phones": _copy(
        "notifications_usersettings",
        ["user_id", "language", "sms_phone", "sms_phone_verified_at", "wecom_userid",
         "calendar_token", "updated_at"],
        ((user_id, "", f"139{user_id % 10**8:08d}", now, f"u{user_id}", "", now)
         for user_id in brokers))}
    counts["channel_choices"] = channel_choices_seed(brokers, kinds)
    return counts


def channel_choices_seed(brokers: list[int] | None = None,
                         kinds: list[str] | None = None) -> int:
    """Every broker chooses SMS for every kind with an approved template; every tenth also
    WeCom (what the send rates need). Replaces the choices there were."""
    from django.db import connection
    from django.utils import timezone

    from academy.notifications.demo import DEMO_SMS_TEMPLATES
    from bench.sweeps import _copy

    kinds = kinds or [k for k in DEMO_SMS_TEMPLATES if k != "phone_verification"]
    with connection.cursor() as cursor:
        if brokers is None:
            cursor.execute("SELECT id FROM people_user WHERE email LIKE 'b%%@bench.local' "
                           "ORDER BY id")
            brokers = [row[0] for row in cursor.fetchall()]
        cursor.execute("TRUNCATE notifications_channelpreference")
    now = timezone.now()
    count = _copy(
        "notifications_channelpreference", ["user_id", "kind", "channel", "created_at"],
        ((user_id, kind, channel, now) for user_id in brokers for kind in kinds
         for channel in (("sms", "wecom") if user_id % WECOM_SHARE == 0 else ("sms",))))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notifications_usersettings, notifications_channelpreference")
    return count


def _sweep(url: str, name: str, *, channels: bool = True) -> dict:
    env = _env(url)
    if not channels:
        env.update(NOTIFY_SMS_BACKEND="", NOTIFY_WECOM_BACKEND="")
    completed = subprocess.run([PYTHON, str(ROOT / "bench" / "sweeps.py"), "--one", name],
                               cwd=ROOT, env=env, capture_output=True, text=True)
    if completed.returncode:
        raise SystemExit(f"sweep {name} failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# --- Send rates ---------------------------------------------------------------------------------


def send_rates(messages: int) -> list[dict]:
    """Send ``messages`` reminders per channel and backend; the rate of each."""
    from django.conf import settings

    from academy.notifications.channels import reset_backends
    from academy.notifications.models import Reminder
    from academy.notifications.services import reminders_send_many
    from tests.notifications.standins import AliyunSms, TencentSms, Wecom

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ACADEMY_NOTIFY_SMS_FILE_DIR = str(ROOT / "var" / "bench" / "sms")
    settings.ACADEMY_NOTIFY_WECOM_FILE_DIR = str(ROOT / "var" / "bench" / "wecom")
    results = []

    def run(label: str, channel: str) -> None:
        reset_backends()
        # In quiet hours the sweep's messages wait for the morning: due now for the bench.
        ids = list(Reminder.objects.filter(channel=channel, status="pending")
                   .order_by("pk").values_list("pk", flat=True)[:messages])
        Reminder.objects.filter(pk__in=ids).update(scheduled_for=None)
        started = time.perf_counter()
        outcomes: dict[str, int] = {}
        for start in range(0, len(ids), 100):
            report = reminders_send_many(reminder_ids=ids[start:start + 100])
            for outcome, count in report["outcomes"].items():
                outcomes[outcome] = outcomes.get(outcome, 0) + count
        seconds = time.perf_counter() - started
        results.append({"channel": label, "messages": len(ids), "seconds": round(seconds, 2),
                        "per_second": round(len(ids) / seconds, 1) if seconds else 0,
                        "outcomes": outcomes})
        print(f"  {label:28} {len(ids):>6} in {seconds:6.2f} s = "
              f"{len(ids) / seconds if seconds else 0:8.1f}/s {outcomes}", flush=True)

    run("email (in-memory backend)", "email")
    settings.ACADEMY_NOTIFY_SMS_BACKEND = "file"
    settings.ACADEMY_NOTIFY_WECOM_BACKEND = "file"
    run("sms (file)", "sms")
    run("wecom (file)", "wecom")
    with AliyunSms() as aliyun:
        settings.ACADEMY_NOTIFY_SMS_BACKEND = "aliyun"
        settings.ACADEMY_NOTIFY_ALIYUN_ACCESS_KEY_ID = "LTAI-test"
        settings.ACADEMY_NOTIFY_ALIYUN_ACCESS_KEY_SECRET = "aliyun-secret"  # noqa: S105
        settings.ACADEMY_NOTIFY_ALIYUN_ENDPOINT = aliyun.address
        settings.ACADEMY_NOTIFY_ALIYUN_PROTOCOL = "http"
        run("sms (Aliyun SDK, stand-in)", "sms")
        assert not aliyun.rejected, aliyun.rejected[:3]
    with TencentSms() as tencent:
        settings.ACADEMY_NOTIFY_SMS_BACKEND = "tencent"
        settings.ACADEMY_NOTIFY_TENCENT_SECRET_ID = "AKID-test"
        settings.ACADEMY_NOTIFY_TENCENT_SECRET_KEY = "tencent-key"  # noqa: S105
        settings.ACADEMY_NOTIFY_TENCENT_SMS_APP_ID = "1400000001"
        settings.ACADEMY_NOTIFY_TENCENT_ENDPOINT = tencent.address
        settings.ACADEMY_NOTIFY_TENCENT_PROTOCOL = "http"
        run("sms (Tencent SDK, stand-in)", "sms")
        assert not tencent.rejected, tencent.rejected[:3]
    from academy.notifications.models import UserSettings

    members = set(UserSettings.objects.exclude(wecom_userid="")
                  .values_list("wecom_userid", flat=True))
    with Wecom(members=members) as wecom:
        settings.ACADEMY_NOTIFY_WECOM_BACKEND = "wecom"
        settings.ACADEMY_NOTIFY_WECOM_CORP_ID = "ww-test"
        settings.ACADEMY_NOTIFY_WECOM_SECRET = "wecom-secret"  # noqa: S105
        settings.ACADEMY_NOTIFY_WECOM_AGENT_ID = 1000002
        settings.ACADEMY_NOTIFY_WECOM_BASE_URL = f"http://{wecom.address}"
        run("wecom (client, stand-in)", "wecom")
    reset_backends()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enrolments", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1000,
                        help="reminders sent per channel and backend")
    parser.add_argument("--keep", action="store_true",
                        help="reuse the seeded database (only the reminder log is emptied)")
    parser.add_argument("--rates", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("BENCH_CHANNELS_DATABASE_URL", DEFAULT_DB)

    if args.rates:
        _setup_django(url)
        print(json.dumps(send_rates(args.messages)))
        return

    from bench.exam_save import create_database, migrate
    from bench.sweeps import _table, seed

    started = time.perf_counter()
    counts: dict[str, int] = {}
    if not args.keep:
        print(f"Creating {url} and {args.enrolments:,} enrolments ...", flush=True)
        create_database(url)
        migrate(url)
        _setup_django(url)
        counts = seed(args.enrolments)
        counts.update(seed_channels())
        print("  " + ", ".join(f"{k} {v:,}" for k, v in counts.items()), flush=True)
        print(f"  ready in {time.perf_counter() - started:.0f}s", flush=True)
    else:
        migrate(url)
        _setup_django(url)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE notifications_notification, notifications_reminder")
        counts["channel_choices"] = channel_choices_seed()

    from django.db import connection

    from academy.notifications.sweeps import all_sweeps

    # The same sweeps with SMS and WeCom off first, on the same data and machine: on a shared
    # machine the ratio says more than the absolute time.
    baseline = [_sweep(url, s.name, channels=False) for s in all_sweeps()]
    print(_table("\nSweeps with SMS and WeCom off (empty reminder log)", baseline))
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE notifications_notification, notifications_reminder")
    first = [_sweep(url, s.name) for s in all_sweeps()]
    print(_table("\nSweeps with SMS on for everybody, WeCom for a tenth (empty reminder log)",
                 first))
    with connection.cursor() as cursor:
        cursor.execute("SELECT channel, count(*) FROM notifications_reminder GROUP BY channel "
                       "ORDER BY channel")
        by_channel = dict(cursor.fetchall())
    print("  reminders by channel: " + ", ".join(f"{k} {v:,}" for k, v in by_channel.items()))

    print("\nSend rate per channel (one process):", flush=True)
    completed = subprocess.run([PYTHON, __file__, "--rates", "--messages", str(args.messages)],
                               cwd=ROOT, env=_env(url), capture_output=True, text=True)
    if completed.returncode:
        raise SystemExit(f"send rates failed:\n{completed.stderr[-4000:]}")
    print("\n".join(line for line in completed.stdout.splitlines()[:-1]))
    rates = json.loads(completed.stdout.strip().splitlines()[-1])

    total = sum(r["seconds"] for r in first)
    total_off = sum(r["seconds"] for r in baseline)
    load = os.getloadavg()[0]
    print(f"\nAll sweeps: {total:.2f} s with SMS (and WeCom for a tenth), {total_off:.2f} s without "
          f"(x{total / total_off:.2f}); load average {load:.1f} on {os.cpu_count()} CPUs")
    verdict = {
        "all sweeps under 10 s with SMS on": total < 10,
        "SMS on for everybody costs at most 1.5x the sweeps without it":
            total <= 1.5 * total_off,
        "SMS reminders created by the sweeps": by_channel.get("sms", 0) > 0,
        "every stand-in accepted every signed request": all(
            r["outcomes"].get("failed", 0) == 0 for r in rates),
    }
    print()
    for claim, ok in verdict.items():
        print(f"{'OK  ' if ok else 'MISS'} {claim}")
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"channels-{datetime.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps({"enrolments": args.enrolments, "data": counts,
                                "sweeps": first, "seconds": round(total, 2),
                                "sweeps_without_channels": baseline,
                                "seconds_without_channels": round(total_off, 2),
                                "load_average": round(load, 1),
                                "reminders_by_channel": by_channel, "send_rates": rates,
                                "verdict": verdict}, indent=2, ensure_ascii=False))
    print(f"\nWritten to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
