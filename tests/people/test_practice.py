"""Practice records: the broker submits and edits until review, an admin approves or rejects
with a comment (audited, e-mailed, signalled), evidence files are checked by their content, and
a registration number backs only one approved record per broker."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from academy.audit.models import AuditEvent
from academy.errors import ApplicationError
from academy.people.models import PracticeEvidence, PracticeRecord
from academy.people.selectors import evidence_content_type, registration_number_normalise
from academy.people.services import (
    practice_record_create,
    practice_record_delete,
    practice_record_review,
    practice_record_submit,
    practice_record_update,
    practice_review_notify,
)
from academy.people.signals import practice_record_reviewed
from tests.certificates.factories import (
    JPEG,
    PDF,
    PNG,
    PracticeRecordFactory,
    approved_record,
    submitted_record,
    upload,
)
from tests.factories import BrokerFactory

pytestmark = pytest.mark.django_db

FIELDS = {
    "contract_name": "灵宝市黄金尾矿综合利用技术转让合同",
    "contract_kind": "transfer",
    "registration_number": "2025 4112 0000 0123",
    "registry": "三门峡市技术市场管理办公室",
    "party_a": "灵宝市黄金科技有限公司",
    "party_b": "河南科技大学",
    "contract_amount": Decimal("500000"),
    "technical_income": Decimal("420000"),
    "contract_date": datetime.date(2025, 3, 18),
    "broker_role": "lead",
    "description": "组织供需对接，协助双方谈判并办理登记",
}


def create(broker, *, submit=True, files=None, **overrides):
    return practice_record_create(
        broker=broker, fields={**FIELDS, **overrides},
        evidence=[upload()] if files is None else files, submit=submit,
    )


@pytest.fixture(autouse=True)
def _english():
    """These tests read the English source texts: English is active, so ``reverse`` gives the
    /en/ pages. (Never change LANGUAGE_CODE in a test: the URL resolver caches its prefixes.)"""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def reviewed_signals():
    calls = []

    def receiver(sender, record, approved, **kwargs):
        calls.append((record.pk, approved, record.status))

    practice_record_reviewed.connect(receiver, dispatch_uid="test-reviewed")
    yield calls
    practice_record_reviewed.disconnect(dispatch_uid="test-reviewed")


# --- Creating and submitting ------------------------------------------------------------------


def test_broker_submits_a_record_with_evidence_audited(broker):
    record = create(broker)
    assert record.status == PracticeRecord.Status.SUBMITTED and record.submitted_at
    assert record.registration_number == "2025411200000123"  # spaces removed
    evidence = record.evidence.get()
    assert evidence.content_type == "application/pdf" and evidence.size == len(PDF)
    assert evidence.original_name == "证明.pdf" and evidence.file.name.endswith(".pdf")
    assert "证明" not in evidence.file.name  # stored under a random name
    event = AuditEvent.objects.get(action="people.practice_created")
    assert event.person_id == broker.pk and event.after["status"] == "submitted"


def test_a_draft_needs_no_evidence_but_submitting_does(broker):
    record = create(broker, submit=False, files=[])
    assert record.status == PracticeRecord.Status.DRAFT
    with pytest.raises(ApplicationError, match="evidence"):
        practice_record_submit(record_id=record.pk, actor=broker)
    practice_record_update(record_id=record.pk, actor=broker, fields={},
                           evidence_add=[upload("合同.png", PNG, "image/png")])
    record = practice_record_submit(record_id=record.pk, actor=broker)
    assert record.status == PracticeRecord.Status.SUBMITTED


def test_nothing_is_kept_when_a_file_is_refused(broker):
    with pytest.raises(ApplicationError):
        create(broker, files=[upload(), upload("x.pdf", b"MZ\x90\x00 not a pdf")])
    assert not PracticeRecord.objects.exists() and not PracticeEvidence.objects.exists()


@pytest.mark.parametrize(("name", "content", "ok"), [
    ("a.pdf", PDF, True),
    ("a.PNG", PNG, True),
    ("a.jpg", JPEG, True),
    ("a.jpeg", JPEG, True),
    ("a.pdf", PNG, False),        # a PNG calling itself a PDF
    ("a.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", False),
    ("a.exe", b"MZ\x90\x00\x03", False),
    ("a.pdf", b"", False),        # empty
    ("noextension", PDF, False),
])
def test_evidence_type_is_checked_by_its_first_bytes(name, content, ok):
    if ok:
        assert evidence_content_type(upload(name, content))
    else:
        with pytest.raises(ApplicationError):
            evidence_content_type(upload(name, content))


def test_evidence_larger_than_the_limit_is_refused(settings):
    settings.ACADEMY_PRACTICE_EVIDENCE_MAX_BYTES = 100
    with pytest.raises(ApplicationError, match="larger than"):
        evidence_content_type(upload("big.pdf", PDF + b"0" * 100))


def test_at_most_the_configured_number_of_files(broker, settings):
    settings.ACADEMY_PRACTICE_EVIDENCE_MAX_FILES = 2
    with pytest.raises(ApplicationError, match="at most 2"):
        create(broker, files=[upload(), upload(), upload()])


@pytest.mark.parametrize(("overrides", "message"), [
    ({"technical_income": Decimal("500000.01")}, "cannot exceed"),
    ({"contract_date": timezone.localdate() + datetime.timedelta(days=1)}, "future"),
    ({"registration_number": "   "}, "registration number"),
])
def test_business_rules_are_checked(broker, overrides, message):
    with pytest.raises(ApplicationError, match=message):
        create(broker, **overrides)


def test_only_brokers_log_practice_records(trainer):
    with pytest.raises(PermissionDenied):
        create(trainer)


def test_registration_numbers_compare_without_spaces_and_case():
    assert registration_number_normalise(" 2025 4112a\t01 ") == "20254112A01"


# --- Editing before review --------------------------------------------------------------------


def test_broker_edits_a_submitted_record_until_review(broker):
    record = create(broker)
    record = practice_record_update(record_id=record.pk, actor=broker,
                                    fields={"contract_amount": Decimal("600000")})
    assert record.contract_amount == Decimal("600000") and record.status == "submitted"
    assert AuditEvent.objects.filter(action="people.practice_updated").count() == 1


def test_removing_the_last_file_of_a_submitted_record_is_refused(broker):
    record = create(broker)
    with pytest.raises(ApplicationError, match="evidence"):
        practice_record_update(record_id=record.pk, actor=broker, fields={},
                               evidence_remove=[record.evidence.get().pk])
    assert record.evidence.count() == 1


def test_an_approved_record_can_no_longer_change_or_be_deleted(broker, admin_user):
    record = create(broker)
    practice_record_review(record_id=record.pk, reviewer=admin_user, approve=True)
    with pytest.raises(ApplicationError, match="approved"):
        practice_record_update(record_id=record.pk, actor=broker,
                               fields={"contract_amount": Decimal("1")})
    with pytest.raises(ApplicationError):
        practice_record_delete(record_id=record.pk, actor=broker)


def test_nobody_else_edits_a_brokers_record(broker, admin_user):
    record = create(broker)
    for other in (BrokerFactory(), admin_user):
        with pytest.raises(PermissionDenied):
            practice_record_update(record_id=record.pk, actor=other, fields={})
        with pytest.raises(PermissionDenied):
            practice_record_delete(record_id=record.pk, actor=other)


def test_broker_deletes_a_record_not_yet_approved(broker):
    record = create(broker)
    practice_record_delete(record_id=record.pk, actor=broker)
    assert not PracticeRecord.objects.exists()
    assert AuditEvent.objects.filter(action="people.practice_deleted").exists()


# --- Review -----------------------------------------------------------------------------------


def test_approval_is_audited_mailed_and_signalled_after_commit(
    broker, admin_user, reviewed_signals, django_capture_on_commit_callbacks
):
    record = create(broker)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        practice_record_review(record_id=record.pk, reviewer=admin_user, approve=True,
                               comment="材料齐全")
    assert reviewed_signals == [] and mail.outbox == []
    for callback in callbacks:
        callback()
    assert reviewed_signals == [(record.pk, True, "approved")]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [broker.email]
    assert FIELDS["contract_name"] in mail.outbox[0].subject
    with translation.override("zh-hans"):  # mails go out in the site's language
        assert reverse("people:practice_detail", args=[record.pk]) in mail.outbox[0].body
    record.refresh_from_db()
    assert record.status == "approved" and record.reviewed_by == admin_user
    assert record.review_notified_at is not None
    event = AuditEvent.objects.get(action="people.practice_approved")
    assert event.actor_id == admin_user.pk and event.person_id == broker.pk
    assert event.after["comment"] == "材料齐全"


def test_the_review_mail_is_sent_once_even_if_the_task_runs_twice(broker, admin_user):
    record = create(broker)
    practice_record_review(record_id=record.pk, reviewer=admin_user, approve=False,
                           comment="登记编号与证明不符")
    assert practice_review_notify(record.pk) is True
    assert practice_review_notify(record.pk) is False
    assert len(mail.outbox) == 1 and "登记编号与证明不符" in mail.outbox[0].body


def test_a_rejection_needs_a_comment(broker, admin_user):
    record = create(broker)
    with pytest.raises(ApplicationError, match="why"):
        practice_record_review(record_id=record.pk, reviewer=admin_user, approve=False)
    assert PracticeRecord.objects.get().status == "submitted"


def test_only_admins_review(broker, trainer, auditor):
    record = create(broker)
    for user in (trainer, auditor, broker):
        with pytest.raises(PermissionDenied):
            practice_record_review(record_id=record.pk, reviewer=user, approve=True)


def test_a_record_is_reviewed_once(broker, admin_user):
    record = create(broker)
    practice_record_review(record_id=record.pk, reviewer=admin_user, approve=True)
    with pytest.raises(ApplicationError, match="not awaiting review"):
        practice_record_review(record_id=record.pk, reviewer=admin_user, approve=False,
                               comment="改主意了")
    draft = create(broker, submit=False, registration_number="X-2")
    with pytest.raises(ApplicationError, match="not awaiting review"):
        practice_record_review(record_id=draft.pk, reviewer=admin_user, approve=True)


def test_a_rejected_record_is_corrected_and_submitted_again(
    broker, admin_user, django_capture_on_commit_callbacks
):
    record = create(broker, technical_income=Decimal("100"))
    practice_record_review(record_id=record.pk, reviewer=admin_user, approve=False,
                           comment="技术性收入额与认定登记证明不符")
    record.refresh_from_db()
    assert record.status == "rejected" and record.is_editable
    # Saved without resubmitting: still rejected.
    record = practice_record_update(record_id=record.pk, actor=broker,
                                    fields={"technical_income": Decimal("420000")})
    assert record.status == "rejected"
    record = practice_record_submit(record_id=record.pk, actor=broker)
    assert record.status == "submitted" and record.reviewed_at is None
    with django_capture_on_commit_callbacks(execute=True):
        practice_record_review(record_id=record.pk, reviewer=admin_user, approve=True)
    record.refresh_from_db()
    assert record.status == "approved"
    assert len(mail.outbox) == 1  # the approval (the rejection's mail ran in no commit here)
    actions = list(AuditEvent.objects.filter(subject_type="people.practicerecord",
                                             subject_id=str(record.pk))
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["people.practice_created", "people.practice_rejected",
                       "people.practice_updated", "people.practice_submitted",
                       "people.practice_approved"]


def test_a_registration_number_backs_one_approved_record_per_broker(broker, admin_user):
    first = create(broker)
    second = create(broker, contract_name="同一合同的重复登记")  # the same number, pending
    practice_record_review(record_id=first.pk, reviewer=admin_user, approve=True)
    with pytest.raises(ApplicationError, match="already backs"):
        practice_record_review(record_id=second.pk, reviewer=admin_user, approve=True)
    assert PracticeRecord.objects.get(pk=second.pk).status == "submitted"
    # Another broker may have a record of the same contract (a co-broker).
    other = create(BrokerFactory(), broker_role="co_broker")
    practice_record_review(record_id=other.pk, reviewer=admin_user, approve=True)
    # And the broker cannot even submit the duplicate again after it is rejected.
    practice_record_review(record_id=second.pk, reviewer=admin_user, approve=False,
                           comment="重复")
    with pytest.raises(ApplicationError, match="already backs"):
        practice_record_submit(record_id=second.pk, actor=broker)


def test_the_database_itself_refuses_a_second_approved_record(broker):
    approved_record(broker, registration_number="DUP-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        approved_record(broker, registration_number="DUP-1")
    # Rejected or pending duplicates are fine.
    PracticeRecordFactory(broker=broker, registration_number="DUP-1")
    submitted_record(broker, registration_number="DUP-1")


# --- Pages ------------------------------------------------------------------------------------


def test_broker_adds_a_record_from_the_page_with_a_file(client, broker):
    client.force_login(broker)
    data = {**FIELDS, "contract_date": "2025-03-18", "action": "submit",
            "evidence": [upload("登记证明.pdf"), upload("合同首页.jpg", JPEG, "image/jpeg")]}
    response = client.post(reverse("people:practice_create"), data)
    record = PracticeRecord.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("people:practice_detail", args=[record.pk])
    assert record.status == "submitted" and record.evidence.count() == 2


def test_the_form_shows_errors_inline_and_keeps_nothing(client, broker):
    client.force_login(broker)
    data = {**FIELDS, "contract_date": "2025-03-18", "technical_income": "600000",
            "action": "submit", "evidence": [upload("fake.pdf", PNG)]}
    response = client.post(reverse("people:practice_create"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "is-invalid" in body and "cannot exceed" in body and "does not contain" in body
    assert not PracticeRecord.objects.exists()


def test_submitting_without_a_file_from_the_page_says_why(client, broker):
    client.force_login(broker)
    data = {**FIELDS, "contract_date": "2025-03-18", "action": "submit"}
    response = client.post(reverse("people:practice_create"), data)
    assert response.status_code == 200 and "evidence file" in response.content.decode()
    assert not PracticeRecord.objects.exists()


def test_the_page_returns_to_the_path_page(client, broker):
    client.force_login(broker)
    data = {**FIELDS, "contract_date": "2025-03-18", "action": "draft",
            "next": reverse("certificates:my_path")}
    response = client.post(reverse("people:practice_create"), data)
    assert response.url == reverse("certificates:my_path")
    data["next"] = "https://evil.example/"
    response = client.post(reverse("people:practice_create"),
                           {**data, "registration_number": "X-9"})
    assert response.url.startswith(reverse("people:practice_list"))


def test_admin_approves_from_the_review_queue(client, admin_user, mfa_enrolled):
    mfa_enrolled(admin_user)
    record = submitted_record(BrokerFactory())
    client.force_login(admin_user)
    queue = client.get(reverse("people:practice_review_queue"))
    assert record.contract_name in queue.content.decode()
    response = client.post(reverse("people:practice_review", args=[record.pk]),
                           {"decision": "approve", "comment": "", "revision": record.revision,
                            "next": reverse("people:practice_review_queue")})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == "approved"
    assert "Nothing to review" in client.get(reverse("people:practice_review_queue")
                                             ).content.decode()


def test_a_rejection_without_comment_from_the_page_changes_nothing(client, admin_user,
                                                                   mfa_enrolled):
    mfa_enrolled(admin_user)
    record = submitted_record(BrokerFactory())
    client.force_login(admin_user)
    response = client.post(reverse("people:practice_review", args=[record.pk]),
                           {"decision": "reject", "comment": "  ",
                            "revision": record.revision}, follow=True)
    assert "Say why" in response.content.decode()
    record.refresh_from_db()
    assert record.status == "submitted"


def test_evidence_is_served_only_to_those_who_may_see_the_record(client, broker):
    record = create(broker)
    evidence = record.evidence.get()
    url = reverse("people:practice_evidence", args=[evidence.pk])
    client.force_login(broker)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert "no-store" in response["Cache-Control"]
    client.force_login(BrokerFactory())
    assert client.get(url).status_code == 403


def test_broker_edits_a_rejected_record_and_resubmits_from_the_page(client, broker, admin_user):
    record = create(broker)
    practice_record_review(record_id=record.pk, reviewer=admin_user, approve=False,
                           comment="缺少合同首页")
    client.force_login(broker)
    page = client.get(reverse("people:practice_edit", args=[record.pk]))
    assert "缺少合同首页" in page.content.decode()
    data = {**FIELDS, "contract_date": "2025-03-18", "action": "submit",
            "evidence": [upload("合同首页.png", PNG, "image/png")]}
    client.post(reverse("people:practice_edit", args=[record.pk]), data)
    record.refresh_from_db()
    assert record.status == "submitted" and record.evidence.count() == 2
