"""Who may open each trainers' and admins' exams page (merged into the permission matrix by
``tests/exams/permission_rows.py``).

Each ``kwargs`` builder gets the role's user and makes the sitting "theirs" where a role can
own one: a trainer teaches the sitting's cohort (so grades it), a broker sat it. The other
side (a trainer and someone else's sitting, auditors posting) is in test_pages_staff.py.
"""

from __future__ import annotations

from typing import Any

from academy.people.roles import user_has_role
from exams.models import Answer, QuestionType
from tests.exams.factories import (
    QuestionFactory,
    SittingFactory,
    enrolled_broker,
    fixed_paper,
    question_of_each_type,
    sat,
)
from tests.ui.matrix import OK, REDIRECT, Row, logged_in

AUTHORS = {"trainer": OK, "admin": OK}
VIEWERS = {"trainer": OK, "auditor": OK, "admin": OK}


def world(user: Any = None) -> dict[str, Any]:
    """A sitting of every question type whose broker submitted; ``user`` grades it if a
    trainer, sat it if a broker."""
    questions = question_of_each_type()
    sitting = SittingFactory(paper=fixed_paper(questions.values(), points=4))
    if user is not None and user_has_role(user, "trainer"):
        sitting.cohort.trainers.add(user)
    broker = user if user is not None and user_has_role(user, "broker") else None
    if broker is None:
        broker = enrolled_broker(sitting)
    else:
        from tests.courses.factories import enrol

        enrol(broker, sitting.cohort)
    attempt = sat(sitting, broker, {
        0: "B", 1: ["A", "B", "D"], 2: True, 3: ["外观设计"], 4: "技术经纪人促成交易。",
        5: "应当采用独占许可并约定提成。",
    })
    essay = Answer.objects.get(attempt=attempt,
                               item__question_version__question__type=QuestionType.CASE)
    objective = Answer.objects.get(attempt=attempt,
                                   item__question_version__question__type=QuestionType.SINGLE)
    return {"sitting": sitting, "attempt": attempt, "essay": essay, "objective": objective,
            "paper": sitting.paper, "question": questions[QuestionType.SINGLE]}


def _question():
    return {"pk": QuestionFactory().pk}


def _paper():
    return {"pk": fixed_paper([QuestionFactory()]).pk}


def _sitting(user):
    return {"pk": world(user)["sitting"].pk}


def _attempt(user):
    return {"pk": world(user)["attempt"].pk}


def _essay(user):
    return {"pk": world(user)["essay"].pk}


def _objective(user):
    return {"pk": world(user)["objective"].pk}


ROWS = {
    "exams:question_list": Row(logged_in(AUTHORS)),
    "exams:question_create": Row(logged_in(AUTHORS), kwargs=lambda: {"qtype": "single"}),
    "exams:question_import": Row(logged_in(AUTHORS)),
    "exams:question_import_template": Row(logged_in(AUTHORS)),
    "exams:question_export": Row(logged_in(AUTHORS)),
    "exams:question_edit": Row(logged_in(AUTHORS), kwargs=_question),
    "exams:question_history": Row(logged_in(AUTHORS), kwargs=_question),
    "exams:question_archive": Row(logged_in({"trainer": REDIRECT, "admin": REDIRECT}),
                                  kwargs=_question, method="post"),
    "exams:paper_list": Row(logged_in(AUTHORS)),
    "exams:paper_create": Row(logged_in(AUTHORS)),
    "exams:paper_detail": Row(logged_in(AUTHORS), kwargs=_paper),
    "exams:paper_preview": Row(logged_in(AUTHORS), kwargs=_paper),
    "exams:sitting_list": Row(logged_in(VIEWERS)),
    "exams:sitting_create": Row(logged_in(AUTHORS)),
    "exams:sitting_dashboard": Row(logged_in(VIEWERS), kwargs=_sitting),
    "exams:sitting_edit": Row(logged_in(AUTHORS), kwargs=_sitting),
    "exams:sitting_release": Row(logged_in({"trainer": REDIRECT, "admin": REDIRECT}),
                                 kwargs=_sitting, method="post"),
    "exams:sitting_statistics": Row(logged_in(VIEWERS), kwargs=_sitting),
    "exams:staff_attempt": Row(logged_in(VIEWERS), kwargs=_attempt),
    "exams:grading_queue": Row(logged_in({"trainer": OK})),
    "exams:grading_next": Row(logged_in({"trainer": REDIRECT})),
    "exams:moderation_queue": Row(logged_in({"trainer": OK})),
    "exams:grading_answer": Row(logged_in({"trainer": OK}), kwargs=_essay),
    "exams:answer_regrade": Row(logged_in(AUTHORS), kwargs=_objective),
}
