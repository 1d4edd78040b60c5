"""The training archive of a cohort for provincial inspection: one workbook whose sheets hold
hand-computed figures of the population in conftest.py, prepared in the background, audited.

Added here: a programme course with one 2-hour lesson b1 completed; one offline session of
4 hours that b1 and b4 attended; b3 withdrew; readiness recorded for b1; b4 holds a
certificate. By hand, b1's hours: programme course 2.00, other courses and sessions 14.00
(the 10-hour lesson and the session), online 12.00, offline 4.00, total 16.00.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from academy.audit.models import AuditEvent
from courses.models import Enrolment
from talent.models import TalentExport
from talent.selectors import cohort_archive
from tests.courses.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    OfflineSessionFactory,
    ProgrammeCourseFactory,
    attended,
    completed,
)
from tests.factories import level
from tests.talent.conftest import certificate_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def archived(population):
    from certificates.models import BrokerReadiness

    p, b = population, population.brokers
    course = CourseFactory(title="技术合同")
    ProgrammeCourseFactory(programme=p.cohort.programme, course=course, order=0)
    completed(b["b1"], LessonFactory(module=ModuleFactory(course=course),
                                     class_hours=Decimal("2.00")))
    session = OfflineSessionFactory(cohort=p.cohort, course=None, class_hours=Decimal("4.00"))
    attended(b["b1"], session)
    attended(b["b4"], session)
    Enrolment.objects.filter(cohort=p.cohort, user=b["b3"]).update(
        status=Enrolment.Status.WITHDRAWN)
    now = timezone.now()
    BrokerReadiness.objects.create(broker=b["b1"], level=level("intermediate"), ready=True,
                                   ready_since=now, met_count=3, total_count=3,
                                   last_evaluated_at=now)
    certificate_for(b["b4"], level_code="intermediate")
    return p


def _sheets(archive) -> list[list[tuple]]:
    from talent import spreadsheets

    buffer = io.BytesIO()
    spreadsheets.write_xlsx(archive.tables(), buffer)
    book = load_workbook(io.BytesIO(buffer.getvalue()))
    return [list(ws.iter_rows(values_only=True)) for ws in book.worksheets]


def _by_name(rows: list[tuple]) -> dict[str, tuple]:
    return {r[0]: r for r in rows[1:]}


def test_the_archive_holds_every_sheet_with_the_hand_computed_figures(archived):
    archive = cohort_archive(archived.cohort, unmasked=False)
    summary, brokers, attendance, hours, results, readiness = _sheets(archive)

    assert summary[1][0] == archived.cohort.name
    assert summary[1][6:9] == (4, 1, 1)  # enrolled, withdrawn, sessions

    assert sorted(_by_name(brokers)) == ["一号", "三号", "二号", "四号"]
    assert _by_name(brokers)["三号"][9] == str(Enrolment.Status.WITHDRAWN.label)
    b1 = archived.brokers["b1"].broker_profile
    assert b1.national_id not in str(brokers) and b1.national_id_masked in str(brokers)

    present = {r[5]: r[7] for r in attendance[1:]}
    assert present == {"一号": _("Yes"), "二号": _("No"), "三号": _("No"), "四号": _("Yes")}
    assert _by_name([("",)] + [r[5:] for r in attendance[1:]])["一号"][-1] == 4

    assert hours[0][2] == "技术合同"
    assert _by_name(hours)["一号"][2:] == (2, 14, 12, 4, 16)
    assert _by_name(hours)["三号"][2:] == (0, 4, 4, 0, 4)

    assert sorted((r[0], r[7], r[10]) for r in results[1:]) == [
        ("一号", 80, _("Yes")), ("二号", 40, _("No")), ("四号", 90, _("Yes"))]

    ready = _by_name(readiness)
    assert ready["一号"][3:6] == (_("Yes"), 3, 3)
    assert ready["四号"][7].startswith("TEST-") and ready["二号"][7] in ("", None)
    assert archive.row_count() == 1 + 4 * (3 + 1) + 3


def test_an_admins_archive_shows_personal_data(archived):
    brokers = _sheets(cohort_archive(archived.cohort, unmasked=True))[1]
    assert archived.brokers["b1"].broker_profile.national_id in str(brokers)


def test_the_archive_is_prepared_in_the_background_and_audited(
        bureau_client, archived, auditor, django_capture_on_commit_callbacks):
    page = bureau_client.get(reverse("talent:cohort_archive", args=[archived.cohort.code]))
    assert page.status_code == 200 and 'data-testid="archive-start"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = bureau_client.post(reverse("talent:export_start"), {
            "kind": "archive", "file_format": "csv", "query": f"cohort={archived.cohort.code}"})
    export = TalentExport.objects.get()
    assert response.status_code == 302
    assert (export.status, export.file_format, export.personal) == ("done", "xlsx", True)
    assert archived.cohort.name in export.label
    with export.file.open("rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    assert len(book.worksheets) == 6
    event = AuditEvent.objects.get(action="talent.exported")
    assert event.after["kind"] == "archive" and event.after["filters"] == {
        "cohort": archived.cohort.code}
    assert event.actor_id == auditor.pk


def test_the_archive_is_linked_from_the_dashboard_the_cohort_list_and_the_dossier(
        bureau_client, archived):
    url = reverse("talent:cohort_archive", args=[archived.cohort.code])
    assert url in bureau_client.get(reverse("talent:dashboard")).content.decode()
    assert url in bureau_client.get(reverse("talent:broker_list"),
                                    {"cohort": archived.cohort.code}).content.decode()
    assert url in bureau_client.get(reverse("talent:dossier", args=[
        archived.brokers["b1"].pk])).content.decode()


def test_a_get_of_the_archive_page_starts_nothing(bureau_client, archived):
    bureau_client.get(reverse("talent:cohort_archive", args=[archived.cohort.code]))
    assert TalentExport.objects.count() == 0
