"""REST endpoints of exams (under /api/v1/, see exams/api_urls.py).

``broker``: start or resume an attempt, save one answer (the hot path: one attempt lookup and
one upsert), submit, read one's released results. ``grading``: the grading queue of a
trainer's sittings (anonymous where the sitting says so) and marking an answer. The exam page
uses the same endpoints; ``payload`` shapes an attempt for both.
"""
