"""Demo content of exams for `manage.py seed_demo` (runs after courses' seed).

- An intermediate bank of 66 Chinese questions of every type over the four course areas
  (``exams.demo.bank``), written by trainer1.
- A rule-drawn final paper (100 points: objective items per area and type, two short
  answers, one case analysis) and a fixed objective practice quiz.
- An open final sitting for the demo cohort (``courses.demo.COHORT_CODE``), anonymous and
  released by a trainer: eight brokers have submitted (their essays wait in the grading
  queue of the cohort's trainers, trainer1@demo.local among them), three are still writing.
- An open practice sitting released at once: 28 brokers have results, so the broker result
  pages and the item statistics page have something to show.

The final is a *certifying* sitting and the quiz a *practice* one. Every quiz question is also
in the final's pool, and both are open at once, so the quiz holds its answer keys back until
the final has closed (``keys_after_certifying``): while the final is open, it draws only from
questions the quiz has not revealed to anyone, and once the quiz shows its keys, a later
certifying sitting leaves those questions out for the brokers who saw them.

Everything goes through the exams services (attempts are started, answered and submitted
like a browser would). Idempotent: questions are found by code, papers and sittings by title,
and a broker who already has an attempt at a sitting gets no other.
"""

from __future__ import annotations

import datetime
import random
import time
from decimal import Decimal
from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone

from academy.people.models import User

from ..models import Attempt, Paper, Question, QuestionType, Sitting, Tag
from ..services import (
    attempt_save_answer,
    attempt_start,
    attempt_submit,
    paper_create,
    paper_items_set,
    paper_rules_set,
    question_create,
    sitting_create,
)
from .bank import QUESTIONS, TAGS

FINAL_PAPER = "中级技术经纪人结业考试（规则抽题卷）"
PRACTICE_PAPER = "政策法规与知识产权单元测验"
FINAL_SITTING = "三门峡市2026年中级技术经纪人结业考试（第一期）"
PRACTICE_SITTING = "政策法规与知识产权单元测验（练习）"
_SEED = 2026_0404

DEFAULT_POINTS = {QuestionType.SINGLE: 2, QuestionType.MULTIPLE: 3, QuestionType.TRUEFALSE: 2,
                  QuestionType.FILLIN: 2, QuestionType.SHORT: 8, QuestionType.CASE: 20}

# (tag, type, count, points each): 28 + 18 + 10 + 8 + 16 + 20 = 100 points.
FINAL_RULES: list[tuple[str, str, int, int]] = [
    ("general", QuestionType.SINGLE, 3, 2),
    ("policy", QuestionType.SINGLE, 5, 2),
    ("practice", QuestionType.SINGLE, 4, 2),
    ("advanced", QuestionType.SINGLE, 2, 2),
    ("general", QuestionType.MULTIPLE, 1, 3),
    ("policy", QuestionType.MULTIPLE, 2, 3),
    ("practice", QuestionType.MULTIPLE, 2, 3),
    ("advanced", QuestionType.MULTIPLE, 1, 3),
    ("general", QuestionType.TRUEFALSE, 2, 2),
    ("policy", QuestionType.TRUEFALSE, 3, 2),
    ("general", QuestionType.FILLIN, 1, 2),
    ("policy", QuestionType.FILLIN, 2, 2),
    ("practice", QuestionType.FILLIN, 1, 2),
    ("policy", QuestionType.SHORT, 1, 8),
    ("practice", QuestionType.SHORT, 1, 8),
    ("practice", QuestionType.CASE, 1, 20),
]
PRACTICE_CODES = [
    "ZJ-S-001", "ZJ-S-002", "ZJ-S-003", "ZJ-S-004", "ZJ-S-005", "ZJ-S-006", "ZJ-S-007",
    "ZJ-S-009", "ZJ-S-010", "ZJ-S-011", "ZJ-M-001", "ZJ-M-002", "ZJ-M-003", "ZJ-T-001",
    "ZJ-T-002", "ZJ-T-004", "ZJ-T-005", "ZJ-F-001", "ZJ-F-002", "ZJ-F-005",
]
FINAL_SUBMITTED = 8
FINAL_WRITING = 3
PRACTICE_TAKERS = 28

# Answers to the short-answer and case questions, a fuller and a thinner one each, as
# brokers write them.
ESSAYS: dict[str, list[str]] = {
    "ZJ-Q-001": [
        "作用：认定登记是享受增值税免征、企业所得税减免和科技奖励等优惠的前提，也是统计技术"
        "市场交易的依据。注意事项：一是判断合同类型（开发、转让、许可、咨询、服务）；二是按地域"
        "一次登记，由卖方所在地登记机构办理；三是核定技术性收入额；四是材料真实完整，合同成立后"
        "及时申请。",
        "登记以后可以免税。要把合同交到科技局。",
    ],
    "ZJ-Q-002": [
        "独占许可：许可人自己和第三方都不能实施，费用最高，适合被许可方需要排他市场地位、投入"
        "较大的情形。排他许可：许可人自己可以实施，但不能再许可第三方，适合许可人仍要自用的情形。"
        "普通许可：可以许可多家，费用较低，适合市场大、需要广泛推广的技术。",
        "独占许可最贵，普通许可最便宜，排他许可在中间。",
    ],
    "ZJ-Q-003": [
        "步骤：预测技术带来的未来收益，确定技术分成率，确定收益期限，选择折现率，折现求和。折现率"
        "一般为无风险利率加风险报酬率，风险报酬要考虑技术、市场、资金和管理风险。",
        "用未来的钱折算成现在的钱。",
    ],
    "ZJ-Q-004": [
        "单位可以规定或与科技人员约定奖励方式和数额；没有规定也没有约定的，按第四十五条：转让、"
        "许可的，从净收入中提取不低于50%；作价投资的，从形成的股份或出资比例中提取不低于50%；"
        "自行实施或合作实施的，投产后连续三至五年每年从营业利润中提取不低于5%。",
        "奖励不低于百分之五十。",
    ],
    "ZJ-Q-005": [
        "工具：天使投资、风险投资、知识产权质押贷款、科技信贷和风险补偿资金池、政府引导基金、"
        "科创板等资本市场。经纪人的作用：筛选项目、做技术评估、帮助企业准备融资材料、对接银行、"
        "投资机构和担保机构。",
        "可以找银行贷款，也可以找投资人。",
    ],
    "ZJ-Q-006": [
        "诚实守信，不夸大技术成熟度；保守当事人的商业秘密；客观公正，不偏袒一方；勤勉尽责，按约"
        "提供服务；有利益冲突时主动说明并回避；依法执业，不参与违法交易。",
        "要诚信，要保密。",
    ],
    "ZJ-C-001": [
        "（1）学校希望尽快转化，团队希望持股，企业担心价格和后续服务；风险在于成果尚未中试、专利"
        "稳定性和市场前景。（2）建议“许可＋技术服务”：入门费较低、按销售额提成，约定两年技术服务"
        "和中试验收节点；若企业与团队都愿意，也可以作价入股设立合资公司。（3）学校通过协议定价的，"
        "要在本单位公示成果名称和拟交易价格；合同签订后到卖方所在地登记机构认定登记，核定技术性"
        "收入额，享受增值税免征和所得税减免；按规定给团队奖励。",
        "建议直接转让给企业，价格双方商量，签合同以后去登记。",
    ],
    "ZJ-C-002": [
        "（1）委托开发合同未约定时，申请专利的权利属于研究开发人即科研院所；取得专利权后委托人"
        "可以依法实施，研究开发人转让专利申请权的，委托人有同等条件优先受让权。（2）起草时写明"
        "成果和专利申请权归属、改进成果归属、使用范围、保密和验收标准。（3）可协商由院所申请专利，"
        "给企业免费或优惠的独占许可，后续改进成果按贡献分享。",
        "钱是企业出的，专利应该归企业。",
    ],
    "ZJ-C-003": [
        "（1）知识产权质押贷款，无需不动产但评估值有限；科技贷加风险补偿资金池，利率低但额度受限；"
        "股权融资额度大但稀释股权。建议组合使用。（2）流程：专利评估、银行审批、质押登记、放款；"
        "要点是专利有效、权属清晰、与主营产品相关。（3）经纪人协调评估机构、银行和担保机构，帮企业"
        "准备材料并跟踪贷后管理。",
        "去银行办知识产权质押贷款就可以了。",
    ],
    "ZJ-C-004": [
        "（1）许可方看重长期收益，被许可方担心前期投入和风险；许可方的替代方案是另找企业，被许可方"
        "的替代方案是自主研发或购买其他技术。（2）方案：降低入门费、提高提成并设最低提成，或按里程碑"
        "分期支付；独占许可限定地域和领域。（3）写明许可范围、方式、费用与支付、改进成果、保密、"
        "违约责任和争议解决。",
        "双方都应该让步，各退一步。",
    ],
}
WRONG_FILLIN = ["不知道", "技术", "30", "专利权", "部分"]


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _tags() -> dict[str, Tag]:
    from courses.models import CourseArea

    areas = {a.code: a for a in CourseArea.objects.all()}
    tags: dict[str, Tag] = {}
    for code, name, name_en, area_code, parent_code in TAGS:
        tag, _created = Tag.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "area": areas.get(area_code),
                      "parent": tags.get(parent_code) if parent_code else None},
        )
        tags[code] = tag
    return tags


def _bank(tags: dict[str, Tag], author: User | None) -> int:
    existing = set(Question.objects.filter(code__in=[q["code"] for q in QUESTIONS])
                   .values_list("code", flat=True))
    created = 0
    for entry in QUESTIONS:
        if entry["code"] in existing:
            continue
        question_create(
            code=entry["code"], type=entry["type"], difficulty=entry["difficulty"],
            tags=[tags[t] for t in entry["tags"]], stem=entry["stem"],
            options=entry["options"], answer=entry["answer"], scoring=entry["scoring"],
            explanation=entry["explanation"], rubric=entry["rubric"],
            default_points=DEFAULT_POINTS[entry["type"]], created_by=author, audit=False,
        )
        created += 1
    return created


def _papers(tags: dict[str, Tag], author: User | None) -> tuple[Paper, Paper]:
    final = Paper.objects.filter(title=FINAL_PAPER).first()
    if final is None:
        final = paper_create(
            title=FINAL_PAPER, kind=Paper.Kind.RULES, created_by=author, shuffle_options=True,
            description="每位考生按规则从题库随机抽题：四个课程模块的客观题、两道简答题和一道"
                        "案例分析题，共100分。",
        )
        paper_rules_set(paper=final, rules=[
            {"tag": tags[tag], "type": qtype, "count": count, "points_each": points}
            for tag, qtype, count, points in FINAL_RULES
        ])
    practice = Paper.objects.filter(title=PRACTICE_PAPER).first()
    if practice is None:
        practice = paper_create(title=PRACTICE_PAPER, kind=Paper.Kind.FIXED, created_by=author,
                                description="客观题练习，交卷即出成绩并显示解析。")
        by_code = {q.code: q for q in Question.objects.filter(code__in=PRACTICE_CODES)}
        paper_items_set(paper=practice, items=[(by_code[c], None) for c in PRACTICE_CODES])
    return final, practice


def _sittings(final: Paper, practice: Paper, cohort: Any,
              author: User | None) -> tuple[Sitting, Sitting]:
    now = timezone.now()
    final_sitting = Sitting.objects.filter(title=FINAL_SITTING).first()
    if final_sitting is None:
        final_sitting = sitting_create(
            paper=final, title=FINAL_SITTING, cohort=cohort, created_by=author,
            opens_at=now - datetime.timedelta(days=2), closes_at=now + datetime.timedelta(days=14),
            duration_minutes=120, attempts_allowed=1, pass_mark=Decimal("60"),
            release_policy=Sitting.ReleasePolicy.AFTER_GRADING, show_answers=True,
            anonymous_grading=True, purpose=Sitting.Purpose.CERTIFYING,
        )
    practice_sitting = Sitting.objects.filter(title=PRACTICE_SITTING).first()
    if practice_sitting is None:
        practice_sitting = sitting_create(
            paper=practice, title=PRACTICE_SITTING, cohort=cohort, created_by=author,
            opens_at=now - datetime.timedelta(days=10),
            closes_at=now + datetime.timedelta(days=20), duration_minutes=30,
            attempts_allowed=2, pass_mark=Decimal("60"),
            release_policy=Sitting.ReleasePolicy.IMMEDIATE, show_answers=True,
            anonymous_grading=False, purpose=Sitting.Purpose.PRACTICE,
            keys_after_certifying=True,
        )
    return final_sitting, practice_sitting


def _value(rng: random.Random, item: Any, ability: float) -> Any:
    """A plausible answer: right with a chance that falls with difficulty."""
    version = item.question_version
    question = version.question
    qtype = question.type
    right = rng.random() < ability - 0.07 * (question.difficulty - 1)
    keys = [o["key"] for o in version.options or []]
    if qtype == QuestionType.SINGLE:
        return version.answer if right else rng.choice([k for k in keys if k != version.answer])
    if qtype == QuestionType.MULTIPLE:
        if right:
            return list(version.answer)
        chosen = set(version.answer)
        chosen.symmetric_difference_update({rng.choice(keys)})
        return sorted(chosen) or [rng.choice(keys)]
    if qtype == QuestionType.TRUEFALSE:
        return version.answer if right else not version.answer
    if qtype == QuestionType.FILLIN:
        blanks = version.answer if version.answer and isinstance(version.answer[0], list) \
            else [version.answer]
        return [b[0] if right else rng.choice(WRONG_FILLIN) for b in blanks]
    answers = ESSAYS.get(question.code) or ["（略）"]
    return answers[0] if rng.random() < ability else answers[-1]


def _sit(sitting: Sitting, broker: User, rng: random.Random, *, submit: bool) -> Attempt:
    attempt = attempt_start(sitting=sitting, user=broker)
    ability = rng.uniform(0.45, 0.97)
    clock = int(time.time() * 1000)
    items = attempt.items.select_related("question_version__question").order_by("position")
    for item in items:
        if not submit and item.position > len(items) // 2:
            break  # still writing
        clock += rng.randint(20_000, 150_000)
        attempt_save_answer(attempt_id=attempt.pk, user=broker, item_id=item.pk,
                            value=_value(rng, item, ability), client_ts=clock,
                            elapsed_ms=rng.randint(15_000, 180_000))
    if submit:
        attempt = attempt_submit(attempt_id=attempt.pk, user=broker)
    return attempt


def _attempts(sitting: Sitting, brokers: list[User], rng: random.Random, *,
              writing: int = 0) -> int:
    sat = set(Attempt.objects.filter(sitting=sitting).values_list("user_id", flat=True))
    count = 0
    for index, broker in enumerate(brokers):
        if broker.pk in sat:
            continue
        _sit(sitting, broker, rng, submit=index < len(brokers) - writing)
        count += 1
    return count


def seed(stdout: TextIO) -> None:
    """Create the demo bank, papers, sittings and attempts if they are missing."""
    from courses.demo import COHORT_CODE
    from courses.models import Cohort, Enrolment

    author = _user("trainer1@demo.local")
    rng = random.Random(_SEED)
    with transaction.atomic():
        tags = _tags()
        created = _bank(tags, author)
        final, practice = _papers(tags, author)
    cohort = Cohort.objects.filter(code=COHORT_CODE).first()
    if cohort is None:
        stdout.write(f"exams: {created} questions added; no demo cohort, so no sittings.\n")
        return
    with transaction.atomic():
        final_sitting, practice_sitting = _sittings(final, practice, cohort, author)
    brokers = list(User.objects.filter(enrolments__cohort=cohort,
                                       enrolments__status=Enrolment.Status.ACTIVE)
                   .order_by("email"))
    final_group = brokers[:FINAL_SUBMITTED + FINAL_WRITING]
    practice_group = brokers[len(final_group):len(final_group) + PRACTICE_TAKERS]
    started = _attempts(final_sitting, final_group, rng, writing=FINAL_WRITING)
    started += _attempts(practice_sitting, practice_group, rng)
    waiting = final_sitting.attempts.filter(status=Attempt.Status.SUBMITTED).count()
    stdout.write(
        f"exams: {Question.objects.count()} questions ({created} new), papers «{final.title}» "
        f"and «{practice.title}», sittings «{final_sitting.title}» ({waiting} submitted "
        f"attempts waiting for grading) and «{practice_sitting.title}»; {started} new "
        "attempts.\n"
    )
