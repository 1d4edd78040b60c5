"""Factories for exams: questions of every type (each with a current version), papers,
sittings for a cohort, and helpers that put brokers into attempts.

``QuestionFactory(type="multiple")`` builds a question whose current version has a sensible
stem, options and key for that type; pass ``version__answer=...`` etc. to override fields of
the version. ``fixed_paper(questions)``, ``rules_paper(...)`` and ``open_sitting(...)`` build
the rest; ``enrolled_broker(sitting)`` gives a broker who may sit.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from exams.models import (
    Attempt,
    Paper,
    PaperItem,
    PaperRule,
    Question,
    QuestionType,
    QuestionVersion,
    Scoring,
    Sitting,
    Tag,
)
from tests.courses.factories import CohortFactory, enrol
from tests.factories import BrokerFactory, UserFactory

RUBRIC = [
    {"criterion": "识别关键问题", "points": 4},
    {"criterion": "引用相关法规", "points": 3},
    {"criterion": "提出可行方案", "points": 3},
]

#: A version's content by question type.
VERSION_DEFAULTS: dict[str, dict[str, Any]] = {
    QuestionType.SINGLE: {
        "stem": "技术合同认定登记的主管部门是？",
        "options": [
            {"key": "A", "text": "市场监督管理局"},
            {"key": "B", "text": "科学技术局"},
            {"key": "C", "text": "税务局"},
            {"key": "D", "text": "财政局"},
        ],
        "answer": "B",
        "scoring": Scoring.ALL_OR_NOTHING,
    },
    QuestionType.MULTIPLE: {
        "stem": "下列属于技术合同的有？",
        "options": [
            {"key": "A", "text": "技术开发合同"},
            {"key": "B", "text": "技术转让合同"},
            {"key": "C", "text": "房屋租赁合同"},
            {"key": "D", "text": "技术服务合同"},
        ],
        "answer": ["A", "B", "D"],
        "scoring": Scoring.ALL_OR_NOTHING,
    },
    QuestionType.TRUEFALSE: {
        "stem": "技术合同应当采用书面形式订立。",
        "options": [],
        "answer": True,
        "scoring": Scoring.ALL_OR_NOTHING,
    },
    QuestionType.FILLIN: {
        "stem": "我国专利分为发明、实用新型和____三种。",
        "options": [],
        "answer": ["外观设计", "外观设计专利"],
        "scoring": Scoring.PARTIAL,
    },
    QuestionType.SHORT: {
        "stem": "简述技术经纪人在技术转移中的作用。",
        "options": [],
        "answer": None,
        "scoring": Scoring.ALL_OR_NOTHING,
        "rubric": RUBRIC,
    },
    QuestionType.CASE: {
        "stem": "某高校拟将一项发明专利许可给企业，请分析许可方式并提出谈判要点。",
        "options": [],
        "answer": None,
        "scoring": Scoring.ALL_OR_NOTHING,
        "rubric": RUBRIC,
    },
}


def tag(code: str = "tech-contract") -> Tag:
    return Tag.objects.get(code=code)


class QuestionFactory(factory.django.DjangoModelFactory):
    """A question with a current version (v1) whose content suits ``type``."""

    class Meta:
        model = Question
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"q-{n:05d}")
    type = QuestionType.SINGLE
    difficulty = 3
    default_points = Decimal("2.00")
    created_by = None

    @factory.post_generation
    def version(self, create, extracted, **kwargs):
        if not create:
            return
        data = dict(VERSION_DEFAULTS[self.type])
        data.update(kwargs)
        version = QuestionVersion.objects.create(
            question=self, number=1, created_by=self.created_by, **data
        )
        self.current_version = version
        self.save(update_fields=["current_version"])

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            extracted = [tag()]
        self.tags.set([tag(t) if isinstance(t, str) else t for t in extracted])


def question_of_each_type(**kwargs) -> dict[str, Question]:
    return {t: QuestionFactory(type=t, **kwargs) for t in QuestionType.values}


class PaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Paper

    title = factory.Sequence(lambda n: f"技术经纪人中级考试试卷{n}")
    kind = Paper.Kind.FIXED
    shuffle_questions = False
    shuffle_options = False


def fixed_paper(questions, *, points: Decimal | int | None = None, **kwargs) -> Paper:
    """A fixed paper with ``questions`` in order (points: given or each's default)."""
    paper = PaperFactory(kind=Paper.Kind.FIXED, **kwargs)
    for order, question in enumerate(questions):
        PaperItem.objects.create(
            paper=paper, question=question, order=order,
            points=Decimal(points) if points is not None else question.default_points,
        )
    return paper


def rules_paper(rules, **kwargs) -> Paper:
    """A rule-drawn paper; ``rules`` is a list of dicts (tag, count, points_each, ...)."""
    paper = PaperFactory(kind=Paper.Kind.RULES, **kwargs)
    for order, rule in enumerate(rules):
        rule = dict(rule)
        if isinstance(rule.get("tag"), str):
            rule["tag"] = tag(rule["tag"])
        rule.setdefault("points_each", Decimal("2"))
        PaperRule.objects.create(paper=paper, order=order, **rule)
    return paper


class SittingFactory(factory.django.DjangoModelFactory):
    """An open sitting (window from an hour ago to a day ahead) for a new cohort."""

    class Meta:
        model = Sitting
        skip_postgeneration_save = True

    paper = factory.SubFactory(PaperFactory)
    title = factory.Sequence(lambda n: f"2026年中级技术经纪人结业考试{n}")
    cohort = factory.SubFactory(CohortFactory)
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))
    duration_minutes = 60
    attempts_allowed = 1
    pass_mark = Decimal("60")
    release_policy = Sitting.ReleasePolicy.AFTER_GRADING
    show_answers = False
    anonymous_grading = True
    double_marking = False
    moderation_threshold = Decimal("2")

    @factory.post_generation
    def brokers(self, create, extracted, **kwargs):
        if create and extracted:
            self.brokers.set(extracted)

    @factory.post_generation
    def graders(self, create, extracted, **kwargs):
        if create and extracted:
            self.graders.set(extracted)


def trainer_user(**kwargs):
    return UserFactory(roles=["trainer"], **kwargs)


def enrolled_broker(sitting: Sitting, **kwargs):
    """A broker enrolled in the sitting's cohort (or on its list when it has no cohort)."""
    user = BrokerFactory(**kwargs)
    if sitting.cohort_id:
        enrol(user, sitting.cohort)
    else:
        sitting.brokers.add(user)
    return user


def start(sitting: Sitting, user) -> Attempt:
    from exams.services.attempts import attempt_start

    return attempt_start(sitting=sitting, user=user)


def answer(attempt: Attempt, position: int, value: Any, *, client_ts: int | None = None):
    """Save ``value`` for the item at ``position`` (0-based) through the service."""
    from exams.services.attempts import attempt_save_answer

    item = attempt.items.get(position=position)
    if client_ts is None:
        client_ts = int(timezone.now().timestamp() * 1000)
    return attempt_save_answer(attempt_id=attempt.pk, user=attempt.user, item_id=item.pk,
                               value=value, client_ts=client_ts)


def submit(attempt: Attempt, *, auto: bool = False) -> Attempt:
    from exams.services.attempts import attempt_submit

    return attempt_submit(attempt_id=attempt.pk, user=attempt.user, auto=auto)


def sat(sitting: Sitting, user, values: dict[int, Any] | list[Any]) -> Attempt:
    """Start, answer (position → value) and submit: a finished attempt."""
    attempt = start(sitting, user)
    items = values.items() if isinstance(values, dict) else enumerate(values)
    for position, value in items:
        answer(attempt, position, value)
    return submit(attempt)
