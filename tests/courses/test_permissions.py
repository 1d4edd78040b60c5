"""Scope beyond the role: a trainer sees only their cohorts and edits only their courses, a
broker only themself, an auditor reads but never changes."""

import pytest
from django.urls import reverse

from academy.people.scoping import broker_users_visible_to
from courses.models import Attendance
from tests.courses.factories import CohortFactory, OfflineSessionFactory, enrol
from tests.factories import BrokerFactory, UserFactory


@pytest.fixture
def other_trainer(db, mfa_enrolled):
    user = UserFactory(roles=["trainer"])
    mfa_enrolled(user)
    CohortFactory(trainers=[user])  # teaches some other cohort
    return user


def test_trainer_scope_hook_finds_cohort_brokers(trainer, other_trainer, enrolled, cohort):
    assert list(broker_users_visible_to(trainer)) == [enrolled]
    assert not broker_users_visible_to(other_trainer).exists()


@pytest.mark.parametrize("name,kwargs", [
    ("courses:cohort_detail", lambda c, b, s: {"pk": c.pk}),
    ("courses:cohort_broker", lambda c, b, s: {"pk": c.pk, "user_id": b.pk}),
    ("courses:session_detail", lambda c, b, s: {"pk": s.pk}),
    ("courses:session_qr", lambda c, b, s: {"pk": s.pk}),
    ("courses:session_qr_svg", lambda c, b, s: {"pk": s.pk}),
    ("courses:session_new", lambda c, b, s: {"pk": c.pk}),
    ("courses:broker_transcript", lambda c, b, s: {"user_id": b.pk}),
    ("courses:broker_transcript_pdf", lambda c, b, s: {"user_id": b.pk}),
])
def test_trainer_cannot_see_other_cohorts(client, other_trainer, enrolled, cohort, name, kwargs):
    session = OfflineSessionFactory(cohort=cohort)
    client.force_login(other_trainer)
    url = reverse(name, kwargs=kwargs(cohort, enrolled, session))
    assert client.get(url).status_code == 403


def test_trainer_cannot_record_attendance_in_other_cohort(client, other_trainer, enrolled,
                                                         cohort):
    session = OfflineSessionFactory(cohort=cohort)
    client.force_login(other_trainer)
    response = client.post(reverse("courses:session_detail", args=[session.pk]),
                           {"present": [enrolled.pk]})
    assert response.status_code == 403 and not Attendance.objects.exists()


def test_trainer_cannot_edit_a_course_they_do_not_own(client, other_trainer, lessons):
    client.force_login(other_trainer)
    course = lessons[0].module.course
    assert client.get(reverse("courses:course_edit", args=[course.pk])).status_code == 403
    assert client.get(reverse("courses:lesson_edit", args=[lessons[0].pk])).status_code == 403
    assert client.post(reverse("courses:lesson_publish", args=[lessons[0].pk]),
                       {"published": "0"}).status_code == 403
    lessons[0].refresh_from_db()
    assert lessons[0].is_published


def test_trainer_course_list_shows_only_owned(client, trainer, mfa_enrolled, lessons):
    mfa_enrolled(trainer)
    course = lessons[0].module.course
    course.owners.add(trainer)
    other = lessons[4].module.course
    client.force_login(trainer)
    html = client.get(reverse("courses:trainer_courses")).content.decode()
    assert course.title in html and other.title not in html


def test_trainer_cohort_list_shows_only_taught(client, trainer, mfa_enrolled, cohort):
    mfa_enrolled(trainer)
    elsewhere = CohortFactory()
    client.force_login(trainer)
    html = client.get(reverse("courses:cohort_list")).content.decode()
    assert cohort.name in html and elsewhere.name not in html


def test_broker_never_sees_another_brokers_progress(client, enrolled, cohort):
    classmate = BrokerFactory()
    enrol(classmate, cohort)
    client.force_login(enrolled)
    for name, kwargs in [
        ("courses:broker_transcript", {"user_id": classmate.pk}),
        ("courses:broker_transcript_pdf", {"user_id": classmate.pk}),
        ("courses:cohort_broker", {"pk": cohort.pk, "user_id": classmate.pk}),
        ("courses:cohort_detail", {"pk": cohort.pk}),
        ("api-cohort-progress", {"pk": cohort.pk}),
    ]:
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 403, name


def test_broker_may_open_own_transcript_by_id(client, enrolled):
    client.force_login(enrolled)
    assert client.get(reverse("courses:broker_transcript", args=[enrolled.pk])).status_code == 200


def test_auditor_reads_but_cannot_change(client, auditor, mfa_enrolled, enrolled, cohort,
                                          lessons):
    mfa_enrolled(auditor)
    session = OfflineSessionFactory(cohort=cohort)
    client.force_login(auditor)
    assert client.get(reverse("courses:cohort_detail", args=[cohort.pk])).status_code == 200
    assert client.get(reverse("courses:session_detail", args=[session.pk])).status_code == 200
    assert client.get(reverse("courses:broker_transcript", args=[enrolled.pk])).status_code == 200
    assert client.post(reverse("courses:session_detail", args=[session.pk]),
                       {"present": [enrolled.pk]}).status_code == 403
    assert client.get(reverse("courses:session_qr", args=[session.pk])).status_code == 403
    assert client.get(reverse("courses:cohort_enrol", args=[cohort.pk])).status_code == 403
    course = lessons[0].module.course
    assert client.get(reverse("courses:course_edit", args=[course.pk])).status_code == 403
    assert not Attendance.objects.exists()


def test_admin_sees_and_manages_everything(client, admin_user, mfa_enrolled, enrolled, cohort,
                                           lessons):
    mfa_enrolled(admin_user)
    session = OfflineSessionFactory(cohort=cohort)
    client.force_login(admin_user)
    for name, kwargs in [
        ("courses:cohort_detail", {"pk": cohort.pk}),
        ("courses:cohort_enrol", {"pk": cohort.pk}),
        ("courses:session_qr", {"pk": session.pk}),
        ("courses:course_edit", {"pk": lessons[0].module.course_id}),
        ("courses:broker_transcript", {"user_id": enrolled.pk}),
    ]:
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 200, name
    client.post(reverse("courses:session_detail", args=[session.pk]), {"present": [enrolled.pk]})
    assert Attendance.objects.filter(user=enrolled).exists()
