"""Property-based tests (Hypothesis) of the rules that must hold for every input: objective
grading, the serial numbers' check character, and the readiness engine's monotonicity."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from certificates.services.serials import (
    ALPHABET,
    compact,
    mod37_2_check,
    mod37_2_valid,
    serial_format,
    serial_valid,
)
from exams.models import QuestionType, Scoring
from exams.services.scoring import fillin_normalise, score_objective

KEYS = "ABCDEFG"
points = st.decimals(min_value=Decimal("0.5"), max_value=Decimal("20"), places=1)
key_sets = st.sets(st.sampled_from(KEYS), min_size=1, max_size=len(KEYS))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


def full_width(text: str) -> str:
    """``text`` as typed with a Chinese IME in full-width mode: ASCII → U+FF01..U+FF5E, space
    → the ideographic space."""
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c
                   for c in text)


def _multiple(correct, chosen, scoring, worth) -> Decimal:
    return score_objective(type=QuestionType.MULTIPLE, key=sorted(correct),
                           scoring=scoring, value=sorted(chosen), points=worth)


# --- Grading -------------------------------------------------------------------------------


@given(correct=key_sets, chosen=st.sets(st.sampled_from(KEYS)), worth=points)
def test_all_or_nothing_gives_all_points_exactly_for_the_right_keys(correct, chosen, worth):
    score = _multiple(correct, chosen, Scoring.ALL_OR_NOTHING, worth)
    assert score == (worth if chosen == correct else 0)


@given(correct=key_sets, chosen=st.sets(st.sampled_from(KEYS)), worth=points)
def test_partial_credit_is_bounded_and_full_only_for_the_right_keys(correct, chosen, worth):
    partial = _multiple(correct, chosen, Scoring.PARTIAL, worth)
    strict = _multiple(correct, chosen, Scoring.ALL_OR_NOTHING, worth)
    assert 0 <= partial <= worth
    assert (partial == worth) == (chosen == correct)
    assert partial >= strict  # partial credit never pays less than all-or-nothing


@given(correct=key_sets, chosen=st.sets(st.sampled_from(KEYS)), worth=points, data=st.data())
def test_partial_credit_rises_with_right_keys_and_falls_with_wrong_ones(correct, chosen, worth,
                                                                        data):
    score = _multiple(correct, chosen, Scoring.PARTIAL, worth)
    missing = sorted(correct - chosen)
    if missing:
        added = chosen | {data.draw(st.sampled_from(missing))}
        assert _multiple(correct, added, Scoring.PARTIAL, worth) >= score
    wrong = sorted(set(KEYS) - correct - chosen)
    if wrong:
        added = chosen | {data.draw(st.sampled_from(wrong))}
        assert _multiple(correct, added, Scoring.PARTIAL, worth) <= score
    # Choosing every option is never worth full marks unless every option is right.
    if set(KEYS) != correct:
        assert _multiple(correct, set(KEYS), Scoring.PARTIAL, worth) < worth


@given(key=st.sampled_from(KEYS), value=json_values, worth=points)
def test_single_choice_scores_all_or_nothing_and_never_raises(key, value, worth):
    score = score_objective(type=QuestionType.SINGLE, key=key, scoring=Scoring.ALL_OR_NOTHING,
                            value=value, points=worth)
    assert score in (0, worth)
    assert score_objective(type=QuestionType.SINGLE, key=key, scoring=Scoring.ALL_OR_NOTHING,
                           value=key, points=worth) == worth


@given(qtype=st.sampled_from([QuestionType.SINGLE, QuestionType.MULTIPLE,
                              QuestionType.TRUEFALSE, QuestionType.FILLIN]),
       scoring=st.sampled_from([Scoring.PARTIAL, Scoring.ALL_OR_NOTHING]),
       key=json_values, value=json_values, worth=points)
def test_a_malformed_answer_or_key_earns_nothing_but_never_raises(qtype, scoring, key, value,
                                                                  worth):
    score = score_objective(type=qtype, key=key, scoring=scoring, value=value, points=worth)
    assert 0 <= score <= worth


answer_text = st.text(
    alphabet=st.characters(codec="utf-8", categories=["Lu", "Ll", "Nd", "Lo"],
                           exclude_characters="\u3000"),
    min_size=1, max_size=12,
).filter(lambda text: fillin_normalise(text) != "")
ascii_answer = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                       min_size=1, max_size=12)


@given(blanks=st.lists(ascii_answer, min_size=1, max_size=4), data=st.data(), worth=points)
def test_fill_in_accepts_full_width_case_and_edge_punctuation(blanks, data, worth):
    typed = []
    for accepted in blanks:
        variant = data.draw(st.sampled_from([
            accepted, full_width(accepted), accepted.upper(), accepted.lower(),
            f"  {accepted}。", full_width(f" {accepted.swapcase()} "), f"“{accepted}”",
        ]))
        typed.append(variant)
    for scoring in (Scoring.PARTIAL, Scoring.ALL_OR_NOTHING):
        assert score_objective(type=QuestionType.FILLIN, key=[[a] for a in blanks],
                               scoring=scoring, value=typed, points=worth) == worth


@given(blanks=st.lists(answer_text, min_size=1, max_size=4),
       right=st.lists(st.booleans(), min_size=4, max_size=4), worth=points)
def test_fill_in_partial_pays_each_right_blank_its_share(blanks, right, worth):
    given_values = [text if ok else text + "错" for text, ok in zip(blanks, right, strict=False)]
    assume(all(fillin_normalise(text + "错") != fillin_normalise(text) for text in blanks))
    key = [[text] for text in blanks]
    count = sum(1 for ok in right[:len(blanks)] if ok)
    partial = score_objective(type=QuestionType.FILLIN, key=key, scoring=Scoring.PARTIAL,
                              value=given_values, points=worth)
    strict = score_objective(type=QuestionType.FILLIN, key=key, scoring=Scoring.ALL_OR_NOTHING,
                             value=given_values, points=worth)
    assert partial == (worth * count / len(blanks)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert strict == (worth if count == len(blanks) else 0)
    assert strict <= partial


@given(text=st.text(max_size=30))
def test_fill_in_normalisation_is_idempotent_and_width_blind(text):
    once = fillin_normalise(text)
    assert fillin_normalise(once) == once
    ascii_only = "".join(c for c in text if " " <= c <= "~")
    assert fillin_normalise(full_width(ascii_only)) == fillin_normalise(ascii_only)


# --- Serial numbers' check character --------------------------------------------------------

TYPED = ALPHABET[:36]
bodies = st.text(alphabet=TYPED, min_size=1, max_size=30)


@given(body=bodies, data=st.data())
def test_every_single_character_typo_is_detected(body, data):
    serial = body + mod37_2_check(body)
    assert mod37_2_valid(serial)
    position = data.draw(st.integers(min_value=0, max_value=len(serial) - 1))
    replacement = data.draw(st.sampled_from(ALPHABET).filter(lambda c: c != serial[position]))
    assert not mod37_2_valid(serial[:position] + replacement + serial[position + 1:])


@given(body=bodies.filter(lambda b: len(b) >= 1), data=st.data())
def test_every_adjacent_swap_is_detected(body, data):
    serial = body + mod37_2_check(body)
    position = data.draw(st.integers(min_value=0, max_value=len(serial) - 2))
    a, b = serial[position], serial[position + 1]
    assume(a != b)
    assert not mod37_2_valid(serial[:position] + b + a + serial[position + 2:])


@given(code=st.sampled_from(["junior", "intermediate", "senior"]),
       year=st.integers(min_value=2000, max_value=2099),
       seq=st.integers(min_value=1, max_value=99_999), data=st.data())
def test_issued_serials_survive_how_people_type_them_and_reject_typos(code, year, seq, data):
    serial = serial_format(level_code=code, year=year, seq=seq)
    assert serial_valid(serial)
    assert serial_valid(serial.lower())
    assert serial_valid(full_width(serial))
    assert serial_valid(f"  {serial}\n")
    chars = compact(serial)
    position = data.draw(st.integers(min_value=0, max_value=len(chars) - 1))
    replacement = data.draw(st.sampled_from(TYPED).filter(lambda c: c != chars[position]))
    assert not serial_valid(chars[:position] + replacement + chars[position + 1:])


# --- Readiness: more never undoes a met requirement ------------------------------------------

hours = st.decimals(min_value=Decimal("0"), max_value=Decimal("60"), places=2)
more_hours = st.decimals(min_value=Decimal("0"), max_value=Decimal("30"), places=2)
percent = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)
money = st.decimals(min_value=Decimal("0"), max_value=Decimal("1000000"), places=2)


@pytest.fixture
def judged(db):
    """A requirement set with one of each kind of requirement, loaded as the engine loads it,
    and a broker's profile at the level before."""
    from certificates.selectors.readiness import _sets_with_rows
    from tests.certificates.factories import requirement_set
    from tests.courses.factories import CourseFactory
    from tests.exams.factories import QuestionFactory, fixed_paper
    from tests.factories import BrokerFactory, level

    course = CourseFactory()
    papers = [fixed_paper([QuestionFactory()]), fixed_paper([QuestionFactory()])]
    rs = requirement_set(
        areas={"policy": "12"}, courses={course: "8"}, exams={papers[0]: None, papers[1]: "80"},
        total_hours=Decimal("40"), practice_records=2,
        practice_min_contract_amount=Decimal("100000"),
        practice_min_technical_income=Decimal("20000"), months_at_previous_level=12,
    )
    profile = BrokerFactory().broker_profile
    return {"rs": _sets_with_rows().get(pk=rs.pk), "course": course.pk,
            "papers": [p.pk for p in papers], "profile": profile,
            "target": level("intermediate")}


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.fixed_dictionaries({
    "total": hours, "policy": hours, "course": hours,
    "exam": st.lists(st.one_of(st.none(), st.tuples(percent, st.booleans())),
                     min_size=2, max_size=2),
    "approved": st.integers(0, 4), "pending": st.integers(0, 3), "amount": money,
    "income": money, "since_days": st.one_of(st.none(), st.integers(0, 900)),
}), gain=st.fixed_dictionaries({
    "total": more_hours, "policy": more_hours, "course": more_hours,
    "exam": st.lists(st.one_of(st.none(), st.tuples(percent, st.booleans())),
                     min_size=2, max_size=2),
    "approved": st.integers(0, 3), "amount": money, "income": money,
    "days": st.integers(0, 400),
}))
def test_more_hours_results_records_or_time_never_unmeet_a_requirement(judged, before, gain):
    from academy.people.selectors import PracticeTotals
    from certificates.selectors.readiness import ExamResult, _evaluate, _Inputs
    from courses.selectors.hours import BrokerHours

    today = datetime.date(2026, 11, 26)

    def inputs(state, day):
        profile = judged["profile"]
        since = state["since_days"]
        profile.level_since = None if since is None else today - datetime.timedelta(days=since)
        exams = {paper: ExamResult(percent=result[0], passed=result[1])
                 for paper, result in zip(judged["papers"], state["exam"], strict=True)
                 if result is not None}
        return _evaluate(profile.user_id, _Inputs(
            profile=profile,
            target=judged["target"], requirement_set=judged["rs"], set_source="current",
            hours=BrokerHours(user_id=profile.user_id, by_course={judged["course"]:
                                                                   state["course"]},
                              by_area={"policy": state["policy"]}, online=state["total"]),
            exams=exams,
            practice=PracticeTotals(approved=state["approved"], pending=state["pending"],
                                    amount=state["amount"], income=state["income"]),
        ), day)

    # The later state: every figure at least as high; an exam's best result only improves
    # (a better score, or a pass added); time only passes.
    best = []
    for old, new in zip(before["exam"], gain["exam"], strict=True):
        if old is None:
            best.append(new)
        elif new is None:
            best.append(old)
        else:
            best.append((max(old[0], new[0]), old[1] or new[1]))
    after = {
        "total": before["total"] + gain["total"], "policy": before["policy"] + gain["policy"],
        "course": before["course"] + gain["course"], "exam": best,
        "approved": before["approved"] + gain["approved"], "pending": before["pending"],
        "amount": before["amount"] + gain["amount"], "income": before["income"] + gain["income"],
        "since_days": before["since_days"],
    }
    earlier = inputs(before, today)
    later = inputs(after, today + datetime.timedelta(days=gain["days"]))
    assert len(earlier.requirements) == 9  # one of each kind, two exams
    met_later = {r.key: r.met for r in later.requirements}
    for requirement in earlier.requirements:
        if requirement.met:
            assert met_later[requirement.key], f"{requirement.key} became unmet"
    assert not earlier.ready or later.ready
    assert later.percent >= 0
