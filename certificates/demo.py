"""Demo content of the certification rules for `manage.py seed_demo` (runs after people,
courses and exams).

- The requirements for 中级技术经纪人, version 1, with EXAMPLE values (marked as such: the
  national syllabus fixes no minimum hours, and the bureau has adopted none yet) sized to the
  demo programme: 40 class hours in total, hours per course area, the whole course on technical
  contracts, the final exam, two approved practice records, 24 months at junior level.
- Practice records of some junior demo brokers: approved, awaiting review, rejected with a
  comment, a draft — each with a small PDF as evidence.
- Everyone's readiness evaluated once, so that the dashboard and the path pages have figures.

Deterministic and idempotent: a second run finds every row and changes nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from decimal import Decimal
from typing import TextIO

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from academy.people.models import BrokerProfile, Level, PracticeEvidence, PracticeRecord, User

from .models import AreaHoursRequirement, CourseHoursRequirement, ExamRequirement, RequirementSet
from .services import readiness_evaluate

EXAMPLE_NOTE = (
    "示例值（example values）：国家《技术转移专业人员能力等级培训大纲（试行）》未规定各等级最低学时，"
    "本市尚未正式确定。以下数值仅用于演示，须由科技局确认后替换。"
)
AREA_HOURS = {"general": "4", "policy": "10", "practice": "12", "advanced": "6"}
REQUIRED_COURSE = ("TT-S301", "6.5")  # 技术合同与技术合同认定登记: the whole course

# (broker number, contract, kind, registration number, registry, party A, party B, amount,
#  technical income, date, role, status, review comment)
RECORDS = [
    (1, "灵宝市黄金尾矿综合利用技术转让合同", "transfer", "2025411282000017", "灵宝市技术合同登记点",
     "灵宝市黄金科技有限公司", "河南科技大学", "860000", "720000", "2025-04-18", "lead",
     "approved", "登记证明与合同一致。"),
    (1, "三门峡苹果冷链保鲜技术服务合同", "service", "2025411202000031", "三门峡市技术市场管理办公室",
     "三门峡市湖滨果品有限公司", "三门峡市农业科学研究院", "180000", "150000", "2025-09-02",
     "co_broker", "submitted", ""),
    (2, "卢氏县香菇菌棒自动化生产技术开发合同", "development", "2025411224000008",
     "卢氏县技术合同登记点", "卢氏县食用菌产业技术服务中心", "河南农业大学", "1200000", "980000",
     "2025-03-11", "lead", "approved", "材料齐全。"),
    (2, "渑池县铝土矿伴生资源利用技术咨询合同", "consulting", "2025411221000012",
     "渑池县技术合同登记点", "渑池县农业科技服务站", "郑州大学", "260000", "230000", "2025-06-20",
     "adviser", "approved", "已核对技术性收入额。"),
    (3, "义马市煤基新材料中试技术许可合同", "licensing", "2025411281000005",
     "义马市技术合同登记点", "义马煤业新材料科技有限公司", "中国科学院山西煤炭化学研究所", "2000000",
     "1600000", "2025-07-08", "lead", "rejected",
     "认定登记证明上的技术性收入额与填报不一致，请核对后重新提交。"),
    (3, "陕州区地坑院文旅数字化技术服务合同", "service", "2025411203000021",
     "陕州区技术合同登记点", "三门峡市陕州区文化旅游发展有限公司", "三门峡职业技术学院", "90000",
     "", "2025-10-15", "lead", "draft", ""),
    (4, "高新区智能传感器检测技术开发合同", "development", "2025411200000044",
     "三门峡市技术市场管理办公室", "三门峡高新区科技企业孵化器", "西安电子科技大学", "450000",
     "380000", "2025-05-27", "lead", "approved", "同意。"),
    (5, "黄河湿地生态监测技术服务合同", "service", "2025411202000052",
     "三门峡市技术市场管理办公室", "三门峡市湖滨区自然资源局", "河南大学", "320000", "300000",
     "2025-08-19", "co_broker", "submitted", ""),
]


def _evidence_pdf(title: str, number: str) -> bytes:
    """A one-page PDF standing in for the registration certificate (认定登记证明)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setFont("STSong-Light", 16)
    pdf.drawString(72, 760, "技术合同认定登记证明（演示）")
    pdf.setFont("STSong-Light", 11)
    pdf.drawString(72, 730, f"合同名称：{title}")
    pdf.drawString(72, 712, f"登记编号：{number}")
    pdf.drawString(72, 694, "本文件为演示数据，不具有任何效力。")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _requirement_set(stdout: TextIO) -> RequirementSet | None:
    from courses.models import Course, CourseArea

    intermediate = Level.objects.get(code="intermediate")
    existing = RequirementSet.objects.filter(level=intermediate).order_by("version").first()
    if existing is not None:
        return existing
    admin = User.objects.filter(email="admin@demo.local").first()
    with transaction.atomic():
        rs = RequirementSet.objects.create(
            level=intermediate, version=1, title="三门峡市中级技术经纪人晋升要求（示例）",
            effective_from=timezone.now() - datetime.timedelta(days=365), is_current=True,
            example_values=True, notes=EXAMPLE_NOTE, total_hours=Decimal("40"),
            practice_records=2, practice_min_technical_income=Decimal("500000"),
            months_at_previous_level=24, created_by=admin,
        )
        areas = {a.code: a for a in CourseArea.objects.all()}
        for code, hours in AREA_HOURS.items():
            if code in areas:
                AreaHoursRequirement.objects.create(requirement_set=rs, area=areas[code],
                                                    hours=Decimal(hours))
        course = Course.objects.filter(code=REQUIRED_COURSE[0]).first()
        if course is not None:
            CourseHoursRequirement.objects.create(requirement_set=rs, course=course,
                                                  hours=Decimal(REQUIRED_COURSE[1]))
        paper = _final_paper()
        if paper is not None:
            ExamRequirement.objects.create(requirement_set=rs, paper=paper,
                                           label="中级技术经纪人结业考试")
    stdout.write(f"certificates: requirement set «{rs}» with example values.\n")
    return rs


def _final_paper():
    try:
        from exams.demo import FINAL_PAPER
        from exams.models import Paper
    except ImportError:  # the exams demo is not there: the set has no exam
        return None
    return Paper.objects.filter(title=FINAL_PAPER).first()


def _records(stdout: TextIO) -> int:
    juniors = list(
        User.objects.filter(broker_profile__level__code="junior", email__endswith="@demo.local")
        .order_by("email")
    )
    admin = User.objects.filter(email="admin@demo.local").first()
    created = 0
    now = timezone.now()
    for (number, name, kind, reg_no, registry, party_a, party_b, amount, income, date, role,
         status, comment) in RECORDS:
        if number > len(juniors):
            continue
        broker = juniors[number - 1]
        contract_date = datetime.date.fromisoformat(date)
        submitted = status != PracticeRecord.Status.DRAFT
        reviewed = status in (PracticeRecord.Status.APPROVED, PracticeRecord.Status.REJECTED)
        with transaction.atomic():
            record, made = PracticeRecord.objects.get_or_create(
                broker=broker, registration_number=reg_no,
                defaults={
                    "contract_name": name, "contract_kind": kind, "registry": registry,
                    "party_a": party_a, "party_b": party_b,
                    "contract_amount": Decimal(amount),
                    "technical_income": Decimal(income) if income else None,
                    "contract_date": contract_date, "broker_role": role, "status": status,
                    "description": "组织供需对接，协助双方谈判并办理技术合同认定登记。",
                    "submitted_at": now - datetime.timedelta(days=20) if submitted else None,
                    "reviewed_at": now - datetime.timedelta(days=10) if reviewed else None,
                    "reviewed_by": admin if reviewed else None,
                    "review_comment": comment,
                    "review_notified_at": now - datetime.timedelta(days=10) if reviewed else None,
                },
            )
            if made:
                created += 1
                content = _evidence_pdf(name, reg_no)
                evidence = PracticeEvidence(
                    record=record, original_name=f"认定登记证明-{reg_no}.pdf",
                    content_type="application/pdf", size=len(content),
                    sha256=hashlib.sha256(content).hexdigest(),
                    uploaded_by=broker,
                )
                evidence.file.save(f"{reg_no}.pdf", ContentFile(content), save=False)
                evidence.save()
    return created


def seed(stdout: TextIO) -> None:
    """The example requirement set, practice records, and everyone's readiness."""
    _requirement_set(stdout)
    created = _records(stdout)
    broker_ids = list(BrokerProfile.objects.values_list("user_id", flat=True))
    answers = readiness_evaluate(broker_ids=broker_ids)
    ready = sum(1 for answer in answers.values() if answer.ready)
    stdout.write(
        f"certificates: {created} practice records added "
        f"({PracticeRecord.objects.count()} in all); readiness of {len(answers)} brokers "
        f"evaluated, {ready} ready for the next level.\n"
    )

    # Issue 6: the intermediate brokers' certificates, through the issuance service.
    from .demo_issued import seed_issued

    seed_issued(stdout)
