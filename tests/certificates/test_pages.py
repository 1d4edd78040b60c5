"""The path page: "My path to 中级技术经纪人" for the broker, and the same for those who may
see them; an admin moves a broker to another version there."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from academy.audit.models import AuditEvent
from certificates.models import BrokerRequirementSet
from tests.certificates.conftest import ago, course_of, earn
from tests.certificates.factories import approved_record, requirement_set, submitted_record
from tests.courses.factories import CohortFactory, enrol
from tests.factories import BrokerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(mfa_enrolled):
    def make(user):
        mfa_enrolled(user)
        return user

    return make


def test_broker_sees_each_requirement_with_figures_bars_and_next_steps(client, enrolled,
                                                                        programme):
    requirement_set(total_hours=Decimal("64"), areas={"practice": "20"}, practice_records=2,
                    months_at_previous_level=24)
    earn(enrolled, course_of(programme, "practice"), "18")
    approved_record(enrolled, contract_name="尾矿综合利用技术转让")
    submitted_record(enrolled, contract_name="食用菌菌种技术许可")
    client.force_login(enrolled)
    response = client.get(reverse("certificates:my_path"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "My path to Intermediate technology broker" in body
    assert "18 of 64 class hours" in body and "18 of 20 class hours" in body
    assert "1 of 2 approved" in body and "1 awaiting review" in body
    assert re.search(r'data-progress="28"', body)  # 18 / 64
    assert 'style="' not in body  # strict CSP: no inline styles
    assert 'data-testid="example-values"' not in body  # a note for the bureau's admins only
    assert "尾矿综合利用技术转让" in body and "食用菌菌种技术许可" in body
    assert 'data-testid="practice-form"' in body
    assert reverse("people:practice_create") in body
    assert "of 4 requirements met" in body


def test_the_page_speaks_chinese_by_default(client, broker):
    from django.utils import translation

    requirement_set(total_hours=Decimal("64"))
    client.force_login(broker)
    with translation.override("zh-hans"):
        url = reverse("certificates:my_path")
    assert url == "/certificates/path/"
    body = client.get(url).content.decode()
    assert 'lang="zh-CN"' in body and "我的中级技术经纪人晋升路径" in body
    assert "实务技能" not in body and "0 / 64" in body


def test_the_ready_broker_sees_it(client, enrolled, programme):
    requirement_set(total_hours=Decimal("4"))
    earn(enrolled, course_of(programme, "policy"), "4")
    client.force_login(enrolled)
    body = client.get(reverse("certificates:my_path")).content.decode()
    assert 'data-ready="true"' in body and "Ready for certification" in body


def test_empty_states(client, broker):
    client.force_login(broker)
    body = client.get(reverse("certificates:my_path")).content.decode()
    assert 'data-testid="path-no-set"' in body and 'data-testid="practice-empty"' in body


def test_trainer_sees_the_path_of_a_broker_of_their_cohort_without_the_form(
    client, enrolled, trainer, staff
):
    requirement_set(total_hours=Decimal("64"))
    client.force_login(staff(trainer))
    response = client.get(reverse("certificates:broker_path", args=[enrolled.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert enrolled.get_full_name() in body and "18 of 64" not in body
    assert 'data-testid="practice-form"' not in body and "assign-set" not in body


def test_broker_path_of_oneself_goes_to_my_path(client, broker):
    client.force_login(broker)
    response = client.get(reverse("certificates:broker_path", args=[broker.pk]))
    assert response.url == reverse("certificates:my_path")


def test_trainer_of_another_cohort_and_other_brokers_are_refused(client, enrolled, staff):
    from tests.factories import UserFactory

    other_trainer = staff(UserFactory(roles=["trainer"]))
    CohortFactory(trainers=[other_trainer])
    url = reverse("certificates:broker_path", args=[enrolled.pk])
    client.force_login(other_trainer)
    assert client.get(url).status_code == 403
    client.force_login(BrokerFactory())
    assert client.get(url).status_code == 403


def test_auditor_sees_everyone_and_unknown_brokers_are_404(client, enrolled, auditor, staff):
    client.force_login(staff(auditor))
    assert client.get(reverse("certificates:broker_path", args=[enrolled.pk])).status_code == 200
    assert client.get(reverse("certificates:broker_path", args=[auditor.pk])).status_code == 404


def test_admin_moves_a_broker_to_another_version_from_the_page(client, enrolled, cohort,
                                                               admin_user, staff):
    v1 = requirement_set(version=1, total_hours=Decimal("40"), effective_from=ago(days=300))
    v2 = requirement_set(version=2, total_hours=Decimal("64"), effective_from=ago(days=1))
    client.force_login(staff(admin_user))
    url = reverse("certificates:broker_path", args=[enrolled.pk])
    body = client.get(url).content.decode()
    assert 'data-testid="assign-set"' in body
    response = client.post(reverse("certificates:broker_assign_set", args=[enrolled.pk]),
                           {"requirement_set": v2.pk, "reason": "本人申请按新版要求"})
    assert response.url == url
    assert BrokerRequirementSet.objects.get(broker=enrolled).requirement_set == v2
    assert AuditEvent.objects.filter(
        action="certificates.broker_requirement_set_assigned").count() == 1
    # A reason is required; a draft or another level's set is not offered.
    response = client.post(reverse("certificates:broker_assign_set", args=[enrolled.pk]),
                           {"requirement_set": v1.pk, "reason": ""}, follow=True)
    assert BrokerRequirementSet.objects.get(broker=enrolled).requirement_set == v2
    draft = requirement_set(version=3, total_hours=Decimal("1"), effective_from=None)
    client.post(reverse("certificates:broker_assign_set", args=[enrolled.pk]),
                {"requirement_set": draft.pk, "reason": "x"})
    assert BrokerRequirementSet.objects.get(broker=enrolled).requirement_set == v2


def test_the_path_page_costs_a_bounded_number_of_queries(client, broker,
                                                         django_assert_max_num_queries):
    requirement_set(total_hours=Decimal("64"), areas={"policy": "12", "practice": "20"},
                    practice_records=2, months_at_previous_level=24)
    for _ in range(6):
        approved_record(broker)
    client.force_login(broker)
    with django_assert_max_num_queries(40):
        assert client.get(reverse("certificates:my_path")).status_code == 200


def test_the_broker_menu_has_my_path(client, broker):
    client.force_login(broker)
    home = client.get(reverse("home"))
    urls = [item["url"] for item in home.context["nav_items"]]
    assert reverse("certificates:my_path") in urls


def test_enrolled_cohort_mate_is_not_visible_to_a_broker(client, enrolled, cohort):
    mate = BrokerFactory()
    enrol(mate, cohort)
    client.force_login(enrolled)
    assert client.get(reverse("certificates:broker_path", args=[mate.pk])).status_code == 403


@pytest.mark.parametrize(("language", "note"), [("zh-hans", "这些数值为示例"),
                                              ("en", "These figures are example values")])
def test_admins_see_that_the_figures_are_example_values_and_brokers_do_not(
        client, enrolled, staff, language, note):
    from django.utils import translation

    from tests.factories import UserFactory

    rs = requirement_set(total_hours=Decimal("64"), example_values=True)
    with translation.override(language):
        url = reverse("certificates:broker_path", args=[enrolled.pk])
        mine = reverse("certificates:my_path")
    client.force_login(staff(UserFactory(roles=["admin"])))
    body = client.get(url).content.decode()
    assert 'data-testid="example-values"' in body and note in body
    client.force_login(enrolled)
    own = client.get(mine).content.decode()
    assert 'data-testid="requirements"' in own
    assert 'data-testid="example-values"' not in own and note not in own

    rs.example_values = False
    rs.save(update_fields=["example_values"])
    client.force_login(staff(UserFactory(roles=["admin"])))
    assert 'data-testid="example-values"' not in client.get(url).content.decode()
