"""Editing the audit table behind the application's back, as an attacker with database
access could: the hash chain must show it."""

from django.db import connection


def audit_tamper(sql: str, params: list) -> None:
    """Run ``sql`` against the audit table with its append-only trigger out of the way.

    Inside the test's transaction, so the trigger is back afterwards.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
