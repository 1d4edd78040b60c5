"""The exams app's SQL that differs between PostgreSQL and SQLite, behind plain functions.

Saving an answer is the hottest write of an exam morning, so it is one hand-written statement
(``INSERT ... SELECT ... ON CONFLICT DO UPDATE ... WHERE``; see ``exams.services.attempts``).
The two databases need it spelled differently: PostgreSQL wants explicit parameter types in the
SELECT list and locks the attempt row ``FOR KEY SHARE``; SQLite has no row locks (it serialises
writers). Callers never test the vendor: they call ``answer_upsert``.
"""

from __future__ import annotations

import datetime

from django.db import connection

from exams.models import Answer, Attempt, AttemptItem

_UPSERT_SQL: dict[str, str] = {}


def _answer_upsert_sql_for(vendor: str) -> str:
    answer = Answer._meta.db_table
    attempt = Attempt._meta.db_table
    item = AttemptItem._meta.db_table
    postgres = vendor == "postgresql"
    # Explicit types on PostgreSQL: parameters in a SELECT list have no column to infer from.
    json_param, big, stamp = ("%s::jsonb", "%s::bigint", "%s::timestamptz") if postgres \
        else ("%s", "%s", "%s")
    lock = "FOR KEY SHARE OF a" if postgres else ""
    # SQLite: an INSERT ... SELECT with an upsert clause needs a WHERE in the SELECT (it has
    # one) so that "ON CONFLICT" is not read as a join constraint; a comma join avoids "ON".
    # Only table names (from model metadata) are interpolated; values are parameters.
    return f"""
        INSERT INTO {answer} (attempt_id, item_id, value, client_ts, saved_at, first_saved_at,
                              elapsed_ms, grading_status)
        SELECT a.id, i.id, {json_param}, {big}, {stamp}, {stamp}, {big}, %s
          FROM {attempt} a, {item} i
         WHERE a.id = %s AND a.user_id = %s AND a.status = %s AND a.deadline > %s
           AND i.id = %s AND i.attempt_id = a.id
        {lock}
        ON CONFLICT (attempt_id, item_id) DO UPDATE
           SET value = EXCLUDED.value, client_ts = EXCLUDED.client_ts,
               saved_at = EXCLUDED.saved_at,
               elapsed_ms = COALESCE(EXCLUDED.elapsed_ms, {answer}.elapsed_ms)
         WHERE {answer}.client_ts < EXCLUDED.client_ts
        RETURNING 1
    """  # noqa: S608


def answer_upsert_sql() -> str:
    """The answer upsert statement for the current database (built once per vendor).

    Its parameters, in order: value (JSON text), client_ts, saved_at, first_saved_at,
    elapsed_ms, grading_status, attempt id, user id, attempt status, now, item id.
    """
    vendor = connection.vendor
    sql = _UPSERT_SQL.get(vendor)
    if sql is None:
        sql = _UPSERT_SQL[vendor] = _answer_upsert_sql_for(vendor)
    return sql


def answer_upsert(*, attempt_id: int, user_id: int, item_id: int, encoded: str | None,
                  client_ts: int, elapsed_ms: int | None, now: datetime.datetime) -> bool:
    """Insert or overwrite one answer in a single statement; whether a row was written.

    Writes only if the attempt is ``user_id``'s, in progress and before its deadline at
    ``now``, the item belongs to it, and no answer with a later or equal ``client_ts`` is
    stored.
    """
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(answer_upsert_sql(), [
            encoded, client_ts, stamp, stamp, elapsed_ms, Answer.GradingStatus.NONE,
            attempt_id, user_id, Attempt.Status.IN_PROGRESS, stamp, item_id,
        ])
        return cursor.fetchone() is not None
