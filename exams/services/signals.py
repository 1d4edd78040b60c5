"""Signals other apps listen to (the certification rules read results through them).

``result_released(sender=Attempt, attempt=<Attempt>, regraded=<bool>)`` is sent after the
transaction that released a result commits. It is sent again, with ``regraded=True``, when a
released score is changed, so listeners re-read the result (see ``exams.selectors.
best_results``). Receivers must be idempotent.
"""

from django.dispatch import Signal

result_released = Signal()
