"""Who may open the talent pool's pages and endpoints (read by
tests/ui/test_permission_matrix.py): the bureau (auditors) and admins, nobody else."""

from __future__ import annotations

from tests.factories import BrokerFactory
from tests.ui.matrix import API_ANON, DENIED, OK, Row, logged_in

BUREAU = {"auditor": OK, "admin": OK}
API = {"anonymous": API_ANON, "broker": DENIED, "trainer": DENIED, "auditor": OK, "admin": OK}


def _broker():
    return {"user_id": BrokerFactory().pk}


ROWS = {
    "talent:dashboard": Row(logged_in(BUREAU)),
    "talent:broker_list": Row(logged_in(BUREAU)),
    "talent:dossier": Row(logged_in(BUREAU), kwargs=_broker),
    "talent:audit": Row(logged_in(BUREAU)),
    "api-talent-summary": Row(API),
    "api-talent-brokers": Row(API),
    "api-talent-results": Row(API),
}
