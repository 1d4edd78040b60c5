#!/usr/bin/env python
"""How long it takes to verify one certificate credential, in each of its two forms.

    .venv/bin/python bench/credential_verify.py [--runs 200]

Signs a credential the way issuance does (a certificate built in memory, no database), then
times, per credential (median of ``--runs``):

* the Data Integrity proof (eddsa-rdfc-2022): this project's verifier (PyLD canonicalization +
  Ed25519) and Digital Bazaar's @digitalbazaar/vc through Node (tests/verifiers/, after
  `make verifiers`; the time inside Node per credential, without Node's start);
* the VC-JWT: this project's verifier and PyJWT;
* signing one credential with both proofs (what issuance adds per certificate).

Medians of wall time, and the mean CPU time of this process (``*_cpu_ms``), which a machine
busy with other work does not inflate as much.

Results are printed and written to var/bench/credential-verify-<time>.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def _cpu_ms(fn, runs: int) -> float:
    """Mean CPU time of this process per call: what a loaded machine's waiting adds to wall
    time is left out."""
    started = time.process_time()
    for _ in range(runs):
        fn()
    return round((time.process_time() - started) * 1000 / runs, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="credential-verify-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "academy.settings.dev")
    os.environ["SIGNING_KEY_PATH"] = str(work / "key.pem")
    os.environ["SIGNING_KEY_AUTOCREATE"] = "1"
    import django

    django.setup()
    import jwt
    from django.utils import timezone

    from academy.people.models import Level, User
    from certificates.credentials import signing as credentials
    from certificates.credentials.data_integrity import proof_verify
    from certificates.models.issued import Certificate

    level = Level(code="intermediate", name="中级技术经纪人", name_en="Intermediate", rank=2)
    broker = User(email="zhang.ming@example.cn")
    now = timezone.now()
    certificate = Certificate(pk=4242, serial="4112-M-2026-00042X", level=level, broker=broker,
                              issued_at=now, valid_from=now.date(),
                              valid_until=now.date() + datetime.timedelta(days=3 * 365),
                              subject_salt="0123456789abcdef")
    private, kid = credentials.signing_key()

    def sign() -> str:
        body = credentials.credential_payload(certificate, criteria="中级：120 学时；通过考试")
        return credentials.credential_secure(body, private=private, kid=kid,
                                             created=timezone.now())

    token = sign()
    document = credentials.credential_ld(token)
    did = credentials.did_document()
    jwks = credentials.published_jwks()
    public, _why = credentials.did_public_key(document["proof"][0]["verificationMethod"], did)
    assert proof_verify(document, public_key=public) == ""
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]

    results = {
        "runs": args.runs,
        "sign_both_proofs_ms": _median_ms(sign, args.runs),
        "sign_both_proofs_cpu_ms": _cpu_ms(sign, args.runs),
        "verify_data_integrity_project_cpu_ms": _cpu_ms(
            lambda: proof_verify(document, public_key=public), args.runs),
        "verify_data_integrity_project_ms": _median_ms(
            lambda: proof_verify(document, public_key=public), args.runs),
        "verify_vc_jwt_project_ms": _median_ms(
            lambda: credentials.jws_verify(token, jwks=jwks), args.runs),
        "verify_vc_jwt_pyjwt_ms": _median_ms(
            lambda: jwt.decode(token, key=key, algorithms=["EdDSA"],
                               options={"require": ["iss", "jti", "nbf", "sub"]}), args.runs),
    }
    node_script = ROOT / "tests" / "verifiers" / "verify.mjs"
    if (ROOT / "tests" / "verifiers" / "node_modules").exists():
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump({"credentials": [document] * min(args.runs, 100),
                       "documents": {did["id"]: did}}, handle)
        done = subprocess.run(["node", str(node_script), handle.name], capture_output=True,
                              text=True, timeout=600, check=True)
        Path(handle.name).unlink()
        timings = json.loads(done.stdout.strip().splitlines()[-1])
        assert all(t["verified"] for t in timings), timings[0]
        # The first verification warms up the context cache and the JIT: reported apart.
        results["verify_data_integrity_digitalbazaar_first_ms"] = round(timings[0]["ms"], 2)
        results["verify_data_integrity_digitalbazaar_ms"] = round(
            statistics.median(t["ms"] for t in timings[1:]), 2)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = ROOT / "var" / "bench" / f"credential-verify-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    for name, value in results.items():
        print(f"{name:48} {value}")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
