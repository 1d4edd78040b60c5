"""Events of the certification rules.

``broker_became_ready`` is sent after commit, once per transition, when the readiness engine
finds every requirement of a broker's next level met: ``sender=BrokerReadiness,
broker=<User>, level=<Level>, readiness=<BrokerReadiness>``. Certificate issuance listens to
it; it must be idempotent (a broker who stops being ready and becomes ready again — a changed
requirement set — is announced again).
"""

from django.dispatch import Signal

broker_became_ready = Signal()
