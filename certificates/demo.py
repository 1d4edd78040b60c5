"""Demo content of the certification rules for `manage.py seed_demo` (runs after people,
courses and exams).

- The requirements for 中级技术经纪人, version 1, with EXAMPLE values (marked as such: the
  national syllabus fixes no minimum hours, and the bureau has adopted none yet) sized to the
  demo programme: 40 class hours in total, hours per course area, the whole course on technical
  contracts, the final exam, two approved practice records, 24 months at junior level.
- Practice records of some junior demo brokers: approved, awaiting review, rejected with a
  comment, a draft — each with a small PDF as evidence.
- The intermediate certificate issued by an administrator, not automatically: the bureau
  checks the evidence of a broker who meets every requirement before the certificate is issued
  (and filed with the Torch Centre), so the ready brokers of the funnel wait on the
  ready-for-promotion list, whatever workers run, until the admin issues them.
- Everyone's readiness evaluated once, so that the dashboard and the path pages have figures.
- The intermediate demo brokers' intermediate certificates, issued through the same service as
  everyone's (with the PDF and the signed credential).

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

from .credentials.signing import credential_ld, credential_sign_store
from .models import (
    AreaHoursRequirement,
    Certificate,
    CertificatePolicy,
    CourseHoursRequirement,
    ExamRequirement,
    RequirementSet,
)
from .services import certificate_issue, certificate_pdf_store, readiness_evaluate

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


def _policy() -> None:
    """Intermediate certificates issued by the admin from the ready list (a policy an admin
    changed already is left as it is)."""
    intermediate = Level.objects.get(code="intermediate")
    CertificatePolicy.objects.get_or_create(level=intermediate,
                                            defaults={"issue_automatically": False})


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


# The brokers of the demo cohort (juniors, by e-mail) placed at each step of the funnel, so that
# the bureau's dashboard shows people at every step (the exams demo has the first eight submit
# the final exam, now awaiting grading). Indexes into that list; broker 0 stays mid-way.
FUNNEL_AWAITING = range(1, 4)  # every lesson done, final exam submitted: awaiting grading
FUNNEL_HOURS = range(11, 14)  # every lesson done, no exam yet
FUNNEL_PASSED = range(14, 17)  # ... and passed the final exam at the first sitting
FUNNEL_PRACTICE = range(17, 19)  # ... and two approved deals, but not 24 months at junior yet
FUNNEL_READY = range(19, 21)  # ... and 24 months at junior: ready for intermediate
EARLIER_SITTING = "2026年第一期中级技术经纪人结业考试"
EARLIER_COHORT = "smx-2024-1"
CERTIFIED_GRADUATES = 5  # intermediate brokers who came through the earlier cohort


def _lessons_complete(brokers: list[User], lessons: list, now: datetime.datetime) -> None:
    from courses.models import LessonProgress

    start = now - datetime.timedelta(days=60)
    rows = []
    for broker in brokers:
        for position, lesson in enumerate(lessons):
            moment = start + datetime.timedelta(hours=6 * position)
            rows.append(LessonProgress(
                user=broker, lesson=lesson, first_viewed_at=moment,
                last_viewed_at=moment + datetime.timedelta(minutes=lesson.estimated_minutes),
                seconds_spent=lesson.estimated_minutes * 60,
                completed_at=moment + datetime.timedelta(minutes=lesson.estimated_minutes),
                credited_hours=lesson.class_hours, lesson_version=lesson.version,
            ))
    # Rows already there (partial progress) are completed too.
    done = {(r.user_id, r.lesson_id) for r in LessonProgress.objects.filter(
        user__in=brokers, lesson__in=lessons, completed_at__isnull=False)}
    for row in rows:
        if (row.user_id, row.lesson_id) in done:
            continue
        LessonProgress.objects.update_or_create(
            user_id=row.user_id, lesson_id=row.lesson_id,
            defaults={"first_viewed_at": row.first_viewed_at,
                      "last_viewed_at": row.last_viewed_at,
                      "seconds_spent": row.seconds_spent, "completed_at": row.completed_at,
                      "credited_hours": row.credited_hours,
                      "lesson_version": row.lesson_version})


def _sessions_attended(brokers: list[User], cohort) -> None:
    """Present at each of the cohort's offline sessions that has taken place."""
    from courses.models import Attendance, OfflineSession

    now = timezone.now()
    for session in OfflineSession.objects.filter(cohort=cohort, starts_at__lte=now):
        for broker in brokers:
            Attendance.objects.get_or_create(
                session=session, user=broker, defaults={
                    "method": Attendance.Method.LIST, "checked_in_at": session.starts_at,
                    "credited_hours": session.class_hours,
                    "recorded_by": User.objects.filter(email="trainer1@demo.local").first()})


def _passed_earlier(brokers: list[User], cohort, now: datetime.datetime) -> None:
    """A released, passing result at the first sitting of the final exam."""
    import secrets

    from exams.models import Attempt, Sitting
    from exams.services import sitting_create

    paper = _final_paper()
    if paper is None:
        return
    sitting = Sitting.objects.filter(title=EARLIER_SITTING).first()
    if sitting is None:
        sitting = sitting_create(
            paper=paper, title=EARLIER_SITTING, cohort=cohort,
            created_by=User.objects.filter(email="trainer1@demo.local").first(),
            opens_at=now - datetime.timedelta(days=40), closes_at=now - datetime.timedelta(days=30),
            duration_minutes=120, attempts_allowed=1, pass_mark=Decimal("60"),
            release_policy=Sitting.ReleasePolicy.AFTER_GRADING, show_answers=False,
            anonymous_grading=True,
        )
    for index, broker in enumerate(brokers):
        if Attempt.objects.filter(sitting=sitting, user=broker).exists():
            continue
        started = now - datetime.timedelta(days=35, hours=index)
        Attempt.objects.create(
            sitting=sitting, user=broker, number=1, seed=index + 1, started_at=started,
            deadline=started + datetime.timedelta(minutes=120),
            submitted_at=started + datetime.timedelta(minutes=95),
            status=Attempt.Status.RELEASED, score=Decimal(72 + 6 * index),
            max_score=Decimal("100"), passed=True, code=secrets.token_hex(6).upper(),
            released_at=now - datetime.timedelta(days=28),
        )


def _approved_deals(brokers: list[User], now: datetime.datetime) -> None:
    """Two approved deals each (frozen revisions, the approval naming the one approved)."""
    from academy.people.models import PracticeRecordRevision
    from academy.people.selectors import revision_content

    admin = User.objects.filter(email="admin@demo.local").first()
    for index, broker in enumerate(brokers):
        for number, (name, amount, income) in enumerate((
                ("豫西中药材种植技术转让合同", "620000", "510000"),
                ("三门峡市智慧果园物联网技术服务合同", "240000", "200000"))):
            reg_no = f"2026411200{index:02d}{number:04d}"
            record, made = PracticeRecord.objects.get_or_create(
                broker=broker, registration_number=reg_no, defaults={
                    "contract_name": name, "contract_kind": "transfer" if number == 0
                    else "service", "registry": "三门峡市技术市场管理办公室",
                    "party_a": "三门峡市农业产业化龙头企业", "party_b": "河南农业大学",
                    "contract_amount": Decimal(amount), "technical_income": Decimal(income),
                    "contract_date": datetime.date(2026, 3 + number, 10), "broker_role": "lead",
                    "status": PracticeRecord.Status.SUBMITTED,
                    "description": "组织供需对接，协助双方谈判并办理技术合同认定登记。",
                    "submitted_at": now - datetime.timedelta(days=25),
                })
            if not made:
                continue
            content = _evidence_pdf(name, reg_no)
            evidence = PracticeEvidence(
                record=record, original_name=f"认定登记证明-{reg_no}.pdf",
                content_type="application/pdf", size=len(content),
                sha256=hashlib.sha256(content).hexdigest(), uploaded_by=broker)
            evidence.file.save(f"{reg_no}.pdf", ContentFile(content), save=False)
            evidence.save()
            fields, files, digest = revision_content(record)
            revision = PracticeRecordRevision.objects.create(
                record=record, number=1, fields=fields, evidence=files, content_hash=digest,
                submitted_at=record.submitted_at)
            PracticeRecord.objects.filter(pk=record.pk).update(
                status=PracticeRecord.Status.APPROVED, revision=1, approved_revision=revision,
                reviewed_by=admin, reviewed_at=now - datetime.timedelta(days=15),
                review_comment="登记证明与合同一致。",
                review_notified_at=now - datetime.timedelta(days=15))


def _graduates(programme, now: datetime.datetime) -> int:
    """The earlier cohort of the programme, completed by intermediate brokers since certified:
    the funnel's last step."""
    from courses.models import Cohort, Enrolment

    cohort, _made = Cohort.objects.get_or_create(
        code=EARLIER_COHORT, defaults={
            "programme": programme, "name": "2024年第一期中级技术经纪人培训班",
            "starts_on": datetime.date(2024, 3, 1), "ends_on": datetime.date(2024, 9, 30),
            "is_open_for_enrolment": False})
    graduates = list(User.objects.filter(broker_profile__level__code="intermediate",
                                         email__endswith="@demo.local")
                     .order_by("email")[:CERTIFIED_GRADUATES])
    for broker in graduates:
        Enrolment.objects.get_or_create(
            cohort=cohort, user=broker, defaults={
                "status": Enrolment.Status.COMPLETED,
                "enrolled_at": timezone.make_aware(datetime.datetime(2024, 3, 1, 9))})
    return len(graduates)


def _funnel(stdout: TextIO) -> None:
    """Brokers at every step toward intermediate: see FUNNEL_*."""
    from courses.models import Cohort, Enrolment, Lesson

    try:
        from courses.demo import COHORT_CODE
    except ImportError:  # the courses demo is not there: no cohort to place brokers in
        return

    cohort = Cohort.objects.filter(code=COHORT_CODE).select_related("programme").first()
    if cohort is None:
        return
    now = timezone.now()
    brokers = list(User.objects.filter(
        enrolments__cohort=cohort, enrolments__status=Enrolment.Status.ACTIVE,
        broker_profile__level__code="junior").order_by("email"))
    if len(brokers) < max(FUNNEL_READY) + 1:
        return

    def pick(indexes: range) -> list[User]:
        return [brokers[i] for i in indexes]

    lessons = list(Lesson.objects.filter(
        module__course__programme_courses__programme=cohort.programme, is_published=True)
        .distinct().order_by("pk"))
    with transaction.atomic():
        through_hours = pick(FUNNEL_AWAITING) + pick(FUNNEL_HOURS) + pick(FUNNEL_PASSED) \
            + pick(FUNNEL_PRACTICE) + pick(FUNNEL_READY)
        _lessons_complete(through_hours, lessons, now)
        _sessions_attended(through_hours, cohort)
        _passed_earlier(pick(FUNNEL_PASSED) + pick(FUNNEL_PRACTICE) + pick(FUNNEL_READY),
                        cohort, now)
        _approved_deals(pick(FUNNEL_PRACTICE) + pick(FUNNEL_READY), now)
        today = timezone.localdate(now)
        BrokerProfile.objects.filter(user__in=pick(FUNNEL_PRACTICE)).update(
            level_since=today.replace(year=today.year - 1))
        BrokerProfile.objects.filter(user__in=pick(FUNNEL_READY)).update(
            level_since=datetime.date(2023, 1, 1))
        graduates = _graduates(cohort.programme, now)
    stdout.write(f"certificates: funnel placed ({len(through_hours)} brokers through the hours, "
                 f"{graduates} certified graduates of the earlier cohort).\n")


def seed(stdout: TextIO) -> None:
    """The example requirement set, the intermediate certificate's policy, practice records,
    the funnel's population, and everyone's readiness."""
    _requirement_set(stdout)
    _policy()  # before anyone becomes ready
    created = _records(stdout)
    _funnel(stdout)
    broker_ids = list(BrokerProfile.objects.values_list("user_id", flat=True))
    answers = readiness_evaluate(broker_ids=broker_ids)
    ready = sum(1 for answer in answers.values() if answer.ready)
    stdout.write(
        f"certificates: {created} practice records added "
        f"({PracticeRecord.objects.count()} in all); readiness of {len(answers)} brokers "
        f"evaluated, {ready} ready for the next level.\n"
    )

    seed_issued(stdout)


def seed_issued(stdout: TextIO) -> None:
    """The intermediate brokers' certificates (idempotent: the service returns a certificate
    that exists; files are made only where missing)."""
    level = Level.objects.filter(code="intermediate").first()
    if level is None:
        return
    holders = list(BrokerProfile.objects.filter(level=level).order_by("user_id")
                   .values_list("user_id", "level_since"))
    created = 0
    for user_id, since in holders:
        moment = None
        if since is not None:
            moment = timezone.make_aware(datetime.datetime.combine(since, datetime.time(10)))
        certificate = certificate_issue(
            broker_id=user_id, level_id=level.pk, source=Certificate.Source.DEMO,
            reason="demo data", now=moment)
        created += certificate.issued_now
        if not certificate.pdf:
            certificate_pdf_store(certificate_id=certificate.pk)
        if credential_ld(certificate.credential) is None:  # unsigned, or signed without proof
            credential_sign_store(certificate_id=certificate.pk)
    stdout.write(f"certificates: {created} intermediate certificates issued "
                 f"({len(holders)} intermediate brokers hold one).\n")
