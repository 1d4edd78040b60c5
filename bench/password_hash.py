#!/usr/bin/env python
"""CPU of one password check with each of OWASP's Argon2id settings, and with PBKDF2.

    .venv/bin/python bench/password_hash.py               # part of `make bench`
    .venv/bin/python bench/password_hash.py --rounds 40

Every login of an exam morning pays one check, so the cheapest of OWASP's five Argon2id
settings of equal strength (its Password Storage Cheat Sheet: 46 MiB t=1, 19 MiB t=2,
12 MiB t=3, 9 MiB t=4, 7 MiB t=5, all p=1) is the product's default. The settings are
measured interleaved, round after round, so that a busy moment of the machine weighs on all
of them alike; the figure is the median process CPU of one ``verify``. Django 5.2's
PBKDF2-SHA256 (1,000,000 iterations) is measured beside them, as the cost before Argon2id.

Results are printed and written to var/bench/password_hash-<time>.json, with the configured
setting's verdict against its share of the morning's 60 ms per broker.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import statistics
import sys
import time
from pathlib import Path

from argon2 import PasswordHasher, Type

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: OWASP's Argon2id settings of equal strength: (memory KiB, passes), one lane each.
OWASP_SETTINGS = [(47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5)]
PBKDF2_ITERATIONS = 1_000_000  # Django 5.2's default for PBKDF2-SHA256
#: A check should take at most this much of the morning's 60 ms of CPU per broker.
HASH_BUDGET_MS = 20.0


def configured() -> tuple[int, int, int]:
    """The product's setting: academy/people/conf.py's default, or the environment's
    ``ARGON2_*`` as a deployment sets them."""
    from django.conf import settings

    if not settings.configured:
        settings.configure()
    from academy.people.conf import app_settings

    return (app_settings.ARGON2_MEMORY_KIB, app_settings.ARGON2_TIME_COST,
            app_settings.ARGON2_PARALLELISM)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args()

    memory, passes, lanes = configured()
    settings = list(dict.fromkeys([*OWASP_SETTINGS, (memory, passes)]))
    hashers = {s: PasswordHasher(memory_cost=s[0], time_cost=s[1], parallelism=lanes,
                                 type=Type.ID) for s in settings}
    hashes = {s: hashers[s].hash("Academy-bench-2026") for s in settings}
    cpu: dict[str, list[float]] = {f"argon2id m={m} t={t}": [] for m, t in settings}
    cpu["pbkdf2-sha256 1,000,000"] = []
    for _round in range(args.rounds):
        for (m, t) in settings:
            started = time.process_time()
            hashers[(m, t)].verify(hashes[(m, t)], "Academy-bench-2026")
            cpu[f"argon2id m={m} t={t}"].append(time.process_time() - started)
        started = time.process_time()
        hashlib.pbkdf2_hmac("sha256", b"Academy-bench-2026", b"salt-of-16-bytes",
                            PBKDF2_ITERATIONS)
        cpu["pbkdf2-sha256 1,000,000"].append(time.process_time() - started)

    medians = {name: round(statistics.median(values) * 1000, 2) for name, values in cpu.items()}
    mine = f"argon2id m={memory} t={passes}"
    print(f"password check, median process CPU of {args.rounds} rounds (p={lanes}):")
    for name, ms in medians.items():
        mark = "  ← configured" if name == mine else ""
        print(f"  {name:<26} {ms:>8.2f} ms{mark}")
    cheapest = min((n for n in medians if n.startswith("argon2id")), key=medians.__getitem__)
    result = {
        "benchmark": "password_hash",
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "args": vars(args),
        "configured": mine,
        "cpu_ms": medians,
        "cheapest_owasp_setting": cheapest,
        "verdicts": {
            f"the configured setting is OWASP's cheapest here ({cheapest})": cheapest == mine,
            f"one check under {HASH_BUDGET_MS:g} ms of CPU (measured {medians[mine]} ms)":
                medians[mine] < HASH_BUDGET_MS,
        },
    }
    for label, met in result["verdicts"].items():
        print(f"  [{'met' if met else 'NOT MET'}] {label}")
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = out / f"password_hash-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"results: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
