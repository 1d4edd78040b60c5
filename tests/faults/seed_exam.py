"""Seed an exam in progress into the database named by DATABASE_URL; print it as JSON.

    DATABASE_URL=postgres://... python -m tests.faults.seed_exam --brokers 3

Run in a subprocess by the PostgreSQL restart test, whose private cluster is not the test
database pytest-django manages. Prints ``[{"session_key", "attempt_id", "items"}, ...]``:
each broker signed in (a session row as ``django.contrib.auth.login`` writes it) with an
attempt started through ``exams.services.attempts.attempt_start``.
"""

from __future__ import annotations

import argparse
import json
import os


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--brokers", type=int, default=3)
    parser.add_argument("--questions", type=int, default=6)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "academy.settings.test")
    import django

    django.setup()
    from django.contrib.sessions.backends.db import SessionStore

    from exams.models import QuestionType
    from exams.services.attempts import attempt_start
    from tests.exams.factories import (
        QuestionFactory,
        SittingFactory,
        enrolled_broker,
        fixed_paper,
    )

    types = [QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.SHORT]
    paper = fixed_paper([QuestionFactory(type=types[n % len(types)])
                         for n in range(args.questions)])
    sitting = SittingFactory(paper=paper, duration_minutes=600)
    out = []
    for _ in range(args.brokers):
        user = enrolled_broker(sitting)
        attempt = attempt_start(sitting=sitting, user=user)
        store = SessionStore()
        store.update({"_auth_user_id": str(user.pk),
                      "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                      "_auth_user_hash": user.get_session_auth_hash()})
        store.create()
        out.append({"session_key": store.session_key, "attempt_id": attempt.pk,
                    "items": [[item.pk, item.question_version.question.type]
                              for item in attempt.items.select_related(
                                  "question_version__question").order_by("position")]})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
