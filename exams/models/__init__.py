"""Exams: the question bank, papers and sittings, and what examinees did.

Split in three modules: ``bank`` (tags, questions and their versions), ``papers`` (papers,
their items and draw rules, sittings) and ``attempts`` (attempts, their items, answers, marks
and score changes). Import models from ``exams.models``.
"""

from .attempts import Answer, Attempt, AttemptItem, GradingClaim, Mark, ScoreChange
from .bank import Question, QuestionImage, QuestionType, QuestionVersion, Scoring, Tag
from .integrity import AttemptEvent, AttemptSession, QuestionExposure
from .papers import Paper, PaperItem, PaperRule, Sitting

__all__ = [
    "Answer",
    "Attempt",
    "AttemptEvent",
    "AttemptItem",
    "AttemptSession",
    "GradingClaim",
    "Mark",
    "Paper",
    "PaperItem",
    "PaperRule",
    "Question",
    "QuestionExposure",
    "QuestionImage",
    "QuestionType",
    "QuestionVersion",
    "ScoreChange",
    "Scoring",
    "Sitting",
    "Tag",
]
