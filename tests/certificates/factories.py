"""Factories for the certification rules: requirement sets, practice records, evidence."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from academy.people.models import PracticeEvidence, PracticeRecord
from certificates.models import (
    AreaHoursRequirement,
    CourseHoursRequirement,
    ExamRequirement,
    RequirementSet,
)
from tests.factories import level

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


class RequirementSetFactory(factory.django.DjangoModelFactory):
    """A set in force for the intermediate level that requires nothing until told."""

    class Meta:
        model = RequirementSet

    level = factory.LazyFunction(lambda: level("intermediate"))
    version = factory.Sequence(lambda n: n + 1)
    effective_from = factory.LazyFunction(
        lambda: timezone.now() - datetime.timedelta(days=365)
    )
    is_current = False
    example_values = True


def requirement_set(*, areas: dict[str, str] | None = None, courses=None, exams=None,
                    **fields) -> RequirementSet:
    """A set with ``fields`` and rows: ``areas={"policy": "12"}``,
    ``courses={course: "8"}``, ``exams={paper: None or "80"}``."""
    rs = RequirementSetFactory(**fields)
    for code, hours in (areas or {}).items():
        from courses.models import CourseArea

        AreaHoursRequirement.objects.create(
            requirement_set=rs, area=CourseArea.objects.get(code=code), hours=Decimal(hours)
        )
    for course, hours in (courses or {}).items():
        CourseHoursRequirement.objects.create(requirement_set=rs, course=course,
                                              hours=Decimal(hours))
    for paper, minimum in (exams or {}).items():
        ExamRequirement.objects.create(
            requirement_set=rs, paper=paper,
            min_percent=None if minimum is None else Decimal(minimum),
        )
    return rs


class PracticeRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeRecord

    broker = None  # pass a broker user
    contract_name = factory.Sequence(lambda n: f"黄金尾矿综合利用技术转让合同{n}")
    contract_kind = PracticeRecord.ContractKind.TRANSFER
    registration_number = factory.Sequence(lambda n: f"2025411200{n:06d}")
    registry = "三门峡市技术市场管理办公室"
    party_a = "灵宝市黄金科技有限公司"
    party_b = "河南科技大学"
    contract_amount = Decimal("500000.00")
    technical_income = Decimal("400000.00")
    contract_date = datetime.date(2025, 3, 18)
    broker_role = PracticeRecord.BrokerRole.LEAD
    status = PracticeRecord.Status.DRAFT


def approved_record(broker, **kwargs) -> PracticeRecord:
    now = timezone.now()
    return PracticeRecordFactory(broker=broker, status=PracticeRecord.Status.APPROVED,
                                 submitted_at=now, reviewed_at=now, **kwargs)


def submitted_record(broker, *, with_evidence: bool = True, **kwargs) -> PracticeRecord:
    record = PracticeRecordFactory(broker=broker, status=PracticeRecord.Status.SUBMITTED,
                                   submitted_at=timezone.now(), **kwargs)
    if with_evidence:
        evidence_for(record)
    return record


def evidence_for(record: PracticeRecord, *, content: bytes = PDF,
                 name: str = "登记证明.pdf") -> PracticeEvidence:
    evidence = PracticeEvidence(
        record=record, original_name=name, content_type="application/pdf",
        size=len(content), sha256="0" * 64,
    )
    evidence.file.save(name, ContentFile(content), save=False)
    evidence.save()
    return evidence


def upload(name: str = "证明.pdf", content: bytes = PDF, content_type: str = "application/pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


class ready_event_isolated:  # noqa: N801 - used like a function: ``with ready_event_isolated():``
    """Detach every receiver of ``broker_became_ready`` (certificate issuance) for a while.

    The readiness tests check the event itself; what issuance does with it (a certificate, a
    promotion to the next level) is tested with issuance.
    """

    def __enter__(self):
        from certificates.signals import broker_became_ready

        self.signal = broker_became_ready
        with broker_became_ready.lock:
            self.saved = broker_became_ready.receivers
            broker_became_ready.receivers = []
            broker_became_ready.sender_receivers_cache.clear()
        return self

    def __exit__(self, *exc):
        with self.signal.lock:
            self.signal.receivers = self.saved
            self.signal.sender_receivers_cache.clear()
        return False
