"""Who may open each page and endpoint of the certification rules and practice records (read
by tests/ui/test_permission_matrix.py).

As in the courses rows, each ``kwargs`` builder makes the subject "theirs" where a role can
own it: the broker's own record, a broker in a cohort the trainer teaches. The other side
(another broker, another cohort) is in tests/certificates/test_permissions.py.
"""

from __future__ import annotations

from typing import Any

from academy.people.roles import user_has_role
from tests.certificates.factories import PracticeRecordFactory, evidence_for
from tests.courses.factories import CohortFactory, enrol
from tests.factories import BrokerFactory
from tests.ui.matrix import API_ANON, DENIED, NOT_FOUND, OK, REDIRECT, Row, logged_in


def _is(user: Any, role: str) -> bool:
    return user is not None and user_has_role(user, role)


def _cohort_broker(user: Any):
    """A broker in a cohort that ``user`` teaches if they are a trainer."""
    subject = BrokerFactory()
    cohort = CohortFactory()
    enrol(subject, cohort)
    if _is(user, "trainer"):
        cohort.trainers.add(user)
    return subject


def _broker_path(user):
    return {"user_id": _cohort_broker(user).pk}


def _record(user):
    """The broker's own record; for others, the record of a broker in their cohort."""
    owner = user if _is(user, "broker") else _cohort_broker(user)
    record = PracticeRecordFactory(broker=owner)
    evidence_for(record)
    return record


def _record_pk(user):
    return {"pk": _record(user).pk}


def _evidence_pk(user):
    return {"pk": _record(user).evidence.get().pk}


API = {"anonymous": API_ANON, "broker": DENIED, "trainer": DENIED, "auditor": DENIED,
       "admin": DENIED}

ROWS = {
    # The path page.
    "certificates:my_path": Row(logged_in({"broker": OK})),
    "certificates:broker_path": Row(
        logged_in({"trainer": OK, "auditor": OK, "admin": OK}), kwargs=_broker_path,
        note="a broker sees only their own path (my_path)",
    ),
    "certificates:broker_assign_set": Row(
        logged_in({"admin": REDIRECT}), kwargs=_broker_path, method="post",
        note="admins only; an empty form redirects back with an error",
    ),
    "certificates:ready_list": Row(
        logged_in({"auditor": OK, "admin": OK}),
        note="auditors read the list; only admins issue (POST)",
    ),
    "api-me-readiness": Row({**API, "broker": OK}),
    "api-broker-readiness": Row(
        {**API, "broker": NOT_FOUND, "trainer": OK, "auditor": OK, "admin": OK},
        kwargs=_broker_path, note="brokers the caller may not see are 404",
    ),
    # Practice records: pages.
    "people:practice_list": Row(logged_in({"broker": OK})),
    "people:practice_create": Row(logged_in({"broker": OK})),
    "people:practice_edit": Row(logged_in({"broker": OK}), kwargs=_record_pk),
    "people:practice_detail": Row(
        logged_in({"broker": OK, "trainer": OK, "auditor": OK, "admin": OK}),
        kwargs=_record_pk,
    ),
    "people:practice_evidence": Row(
        logged_in({"broker": OK, "trainer": OK, "auditor": OK, "admin": OK}),
        kwargs=_evidence_pk,
    ),
    "people:practice_submit": Row(logged_in({"broker": REDIRECT}), kwargs=_record_pk,
                                  method="post"),
    "people:practice_delete": Row(logged_in({"broker": REDIRECT}), kwargs=_record_pk,
                                  method="post"),
    "people:practice_review_queue": Row(logged_in({"admin": OK})),
    "people:practice_review": Row(logged_in({"admin": REDIRECT}), kwargs=_record_pk,
                                  method="post", note="an empty decision redirects back"),
    # Practice records: API.
    "api-practice-records": Row({**API, "broker": OK, "trainer": OK, "auditor": OK,
                                 "admin": OK}, note="each sees the records in their scope"),
    "api-practice-record": Row({**API, "broker": OK, "trainer": OK, "auditor": OK,
                                "admin": OK}, kwargs=_record_pk),
    "api-practice-record-submit": Row({**API, "broker": OK}, kwargs=_record_pk,
                                      method="post"),
    "api-practice-record-evidence": Row({**API, "broker": 400}, kwargs=_record_pk,
                                        method="post", note="no file: 400 with the reason"),
    "api-practice-record-review": Row({**API, "admin": 400}, kwargs=_record_pk,
                                      method="post", note="no decision: 400"),
}

# Issued certificates, their verification and credentials keep their rows in
# permission_rows_issuance.py.
from tests.certificates.permission_rows_issuance import ROWS as _ISSUANCE_ROWS  # noqa: E402

assert not ROWS.keys() & _ISSUANCE_ROWS.keys(), "certificate rows listed twice"
ROWS.update(_ISSUANCE_ROWS)

# The certificate design and the bulk runs keep theirs in permission_rows_design.py.
from tests.certificates.permission_rows_design import ROWS as _DESIGN_ROWS  # noqa: E402

assert not ROWS.keys() & _DESIGN_ROWS.keys(), "design rows listed twice"
ROWS.update(_DESIGN_ROWS)
