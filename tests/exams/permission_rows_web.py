"""Who may open the broker's exam pages and call the exams API (merged into the permission
matrix by ``tests/exams/permission_rows.py``).

Each ``kwargs`` builder gets the role's user: a broker is made a candidate of the sitting and
gets their own attempt, so a 200 means "their own"; other roles get someone else's. The other
side (a broker and another broker's attempt: 404) is in test_api.py and test_pages_broker.py.
"""

from __future__ import annotations

from typing import Any

from academy.people.roles import user_has_role
from exams.models import Answer, QuestionType
from tests.exams.factories import (
    SittingFactory,
    enrolled_broker,
    fixed_paper,
    question_of_each_type,
    sat,
    start,
)
from tests.ui.matrix import API_ANON, DENIED, LOGIN, OK, REDIRECT, ROLES, Row, logged_in


def _sitting_for(user: Any):
    questions = question_of_each_type()
    sitting = SittingFactory(paper=fixed_paper(questions.values(), points=2))
    broker = user if user is not None and user_has_role(user, "broker") else None
    if broker is not None:
        from tests.courses.factories import enrol

        enrol(broker, sitting.cohort)
    if user is not None and user_has_role(user, "trainer"):
        sitting.cohort.trainers.add(user)
    return sitting, broker


def _sitting(user):
    return {"sitting_id": _sitting_for(user)[0].pk}


def _attempt(user):
    sitting, broker = _sitting_for(user)
    attempt = start(sitting, broker or enrolled_broker(sitting))
    return {"attempt_id": attempt.pk}


def _submitted(user):
    sitting, broker = _sitting_for(user)
    attempt = sat(sitting, broker or enrolled_broker(sitting), {0: "B"})
    return {"attempt_id": attempt.pk}


def _item(user):
    sitting, broker = _sitting_for(user)
    attempt = start(sitting, broker or enrolled_broker(sitting))
    return {"attempt_id": attempt.pk, "item_id": attempt.items.first().pk}


def _essay(user):
    sitting, broker = _sitting_for(user)
    attempt = sat(sitting, broker or enrolled_broker(sitting), {4: "技术经纪人促成交易。"})
    essay = Answer.objects.get(attempt=attempt,
                               item__question_version__question__type=QuestionType.SHORT)
    return {"answer_id": essay.pk}


def _image(user):
    """An image of a question the broker's attempt drew (others: someone else's attempt)."""
    import io

    from PIL import Image

    from exams.services import ImageUpload, question_create
    from tests.exams.factories import tag

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 90, 160)).save(out, "PNG")
    question = question_create(
        type=QuestionType.TRUEFALSE, stem="图中是发明专利证书。[[image:cert.png]]", answer=True,
        created_by=None, tags=[tag()],
        images=[ImageUpload(name="cert.png", content=out.getvalue(), content_type="image/png")])
    sitting = SittingFactory(paper=fixed_paper([question], points=2))
    broker = user if user is not None and user_has_role(user, "broker") else None
    if broker is not None:
        from tests.courses.factories import enrol

        enrol(broker, sitting.cohort)
    start(sitting, broker or enrolled_broker(sitting))
    return {"pk": question.current_version.images.get().pk}


def api(expect_by_role: dict[str, Any]) -> dict[str, Any]:
    """Anonymous → 401/403 JSON; the listed roles their expectation; the others 403."""
    expect = dict.fromkeys(ROLES, DENIED)
    expect["anonymous"] = API_ANON
    expect.update(expect_by_role)
    return expect


ROWS = {
    # Pages
    "exams:my_exams": Row(logged_in({"broker": OK})),
    # A classmate (the matrix's other_broker) is a candidate of the same sitting.
    "exams:take_start": Row(logged_in({"broker": OK, "other_broker": OK}), kwargs=_sitting),
    "exams:sitting_ics": Row(logged_in({"broker": OK, "other_broker": OK, "trainer": OK,
                                        "auditor": OK, "admin": OK}), kwargs=_sitting),
    "exams:take_begin": Row(logged_in({"broker": REDIRECT, "other_broker": REDIRECT}),
                            kwargs=_sitting, method="post",
                            note="starts the attempt, then the exam page"),
    "exams:take_attempt": Row(logged_in({"broker": OK}), kwargs=_attempt),
    "exams:result": Row(logged_in({"broker": OK}), kwargs=_submitted),
    "exams:question_image": Row(
        logged_in({"broker": OK, "trainer": OK, "other_trainer": OK, "auditor": OK,
                   "admin": OK}), kwargs=_image,
        note="a stem's image: staff who see exam content (the bank is shared by all "
             "trainers), and the examinee whose attempt drew it; another broker 403"),
    # API
    "api-exams-attempt-start": Row(api({"broker": OK, "other_broker": OK}), kwargs=_sitting,
                                   method="post"),
    "api-exams-answer-save": Row(
        api({"broker": OK}), kwargs=_item, method="put",
        data={"value": None, "client_ts": 1}, content_type="application/json",
        note="saves an empty answer; another broker's attempt is 404 (test_api.py saves)",
    ),
    "api-exams-attempt-submit": Row(api({"broker": OK}), kwargs=_attempt, method="post"),
    "api-exams-attempt-events": Row(
        api({"broker": OK}), kwargs=_attempt, method="post", data={"events": []},
        content_type="application/json",
        note="logs nothing for an empty list; another broker's attempt is 404"),
    "api-exams-my-results": Row(api({"broker": OK})),
    "api-exams-grading-queue": Row(api({"trainer": OK, "admin": OK})),
    "api-exams-grading-claim": Row(api({"trainer": OK, "admin": OK}), method="post",
                                   note="claims nothing when nothing waits (test_claims.py)"),
    "api-exams-answer-mark": Row(
        api({"trainer": 400, "admin": 400}), kwargs=_essay, method="post",
        note="400: a grader of the sitting, but an empty mark is refused (test_api.py marks)",
    ),
}

assert LOGIN  # the vocabulary, for readers
