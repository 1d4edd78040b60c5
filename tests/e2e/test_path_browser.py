"""In a real browser: a broker opens "My path", adds a practice record with an evidence file;
the admin approves it in the review queue (after typing a TOTP code); the broker's practice
requirement turns met and the broker is ready."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.cache import cache

from certificates.models import BrokerReadiness
from tests.browser import DESKTOP, PHONE, click_menu_item, fresh_totp_code
from tests.certificates.conftest import earn
from tests.certificates.factories import PDF, ready_event_isolated, requirement_set
from tests.courses.factories import (
    CohortFactory,
    CourseFactory,
    ProgrammeCourseFactory,
    ProgrammeFactory,
    area,
    enrol,
)
from tests.factories import PASSWORD, BrokerFactory, UserFactory, totp_enrol

# Rows seeded by migrations come back after each flush (academy.seeding, post_migrate).
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_issuance():
    """This story ends at "ready": issuing the certificate (and promoting the broker, whose
    path then leads to the next level) is the issuance story's own test."""
    with ready_event_isolated():
        yield


def _log_in(page, base_url: str, email: str, secret: str | None = None) -> None:
    page.goto(base_url + "/accounts/login/")
    page.fill("input[name='login']", email)
    page.fill("input[name='password']", PASSWORD)
    page.locator("form.academy-form button[type='submit']").click()
    if secret is not None:
        page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
        page.fill("input[name='code']", fresh_totp_code(secret))
        page.locator("form.academy-form button[type='submit']").first.click()
    page.wait_for_url(re.compile(r"^" + re.escape(base_url) + r"/(\?.*)?$"))


def _practice_requirement(page):
    return page.locator("[data-testid='requirements'] li[data-kind='practice_records']")


def test_broker_adds_a_record_admin_approves_and_the_requirement_turns_met(
    live_server, browser, page, screenshot, tmp_path
):
    # A demo-like world: a junior broker mid-way through the intermediate programme.
    programme = ProgrammeFactory()
    course = CourseFactory(area=area("practice"), title="技术合同与技术合同认定登记")
    ProgrammeCourseFactory(programme=programme, course=course)
    broker = BrokerFactory(user__full_name="王小明", user__email="broker14@demo.local")
    enrol(broker, CohortFactory(programme=programme))
    earn(broker, course, "6.5")
    requirement_set(total_hours=Decimal("6"), practice_records=1, example_values=True)
    admin = UserFactory(roles=["admin"], full_name="王建国", email="admin@demo.local")
    secret = totp_enrol(admin)
    evidence = tmp_path / "技术合同认定登记证明.pdf"
    evidence.write_bytes(PDF)

    # The broker opens their path from the menu.
    _log_in(page, live_server.url, broker.email)
    click_menu_item(page, "/certificates/path/")
    page.wait_for_url(re.compile(r"/certificates/path/$"))
    assert "中级技术经纪人" in page.locator("[data-testid='path-heading']").inner_text()
    assert _practice_requirement(page).get_attribute("data-met") == "false"
    assert page.locator("[data-testid='path-summary']").get_attribute("data-ready") == "false"
    hours = page.locator("li[data-kind='total_hours']")
    assert hours.get_attribute("data-met") == "true"
    # The bars are painted by the static script (no inline styles under the CSP).
    width = hours.locator(".progress-bar").evaluate("el => el.style.width")
    assert width == "100%"
    # Example values are marked to administrators only, not on a broker's page.
    assert page.locator("[data-testid='example-values']").count() == 0
    screenshot(page, "path-broker-before")

    # Adds a practice record with an evidence file from the path page.
    page.locator("[data-testid='practice-add'] summary").click()
    form = page.locator("[data-testid='practice-form']")
    form.locator("[name='contract_name']").fill("灵宝市黄金尾矿综合利用技术转让合同")
    form.locator("[name='registration_number']").fill("2025 4112 8200 0017")
    form.locator("[name='registry']").fill("灵宝市技术合同登记点")
    form.locator("[name='party_a']").fill("灵宝市黄金科技有限公司")
    form.locator("[name='party_b']").fill("河南科技大学")
    form.locator("[name='contract_amount']").fill("860000")
    form.locator("[name='technical_income']").fill("720000")
    form.locator("[name='contract_date']").fill("2025-04-18")
    form.locator("[name='evidence']").set_input_files(str(evidence))
    screenshot(page, "path-broker-form")
    form.locator("button[name='action'][value='submit']").click()
    page.wait_for_url(re.compile(r"/certificates/path/$"))
    record = page.locator("[data-testid='practice-records'] li").first
    assert "灵宝市黄金尾矿综合利用技术转让合同" in record.inner_text()
    assert record.locator("[data-status='submitted']").count() == 1
    assert _practice_requirement(page).get_attribute("data-met") == "false"
    assert page.js_errors == []
    screenshot(page, "path-broker-submitted")

    # The admin reviews it in the queue, after the second factor.
    admin_context = browser.new_context(locale="zh-CN", viewport=DESKTOP,
                                        timezone_id="Asia/Shanghai")
    admin_context.set_default_timeout(15_000)
    admin_page = admin_context.new_page()
    _log_in(admin_page, live_server.url, admin.email, secret)
    click_menu_item(admin_page, "/people/practice/review/")
    admin_page.wait_for_url(re.compile(r"/people/practice/review/$"))
    card = admin_page.locator("[data-record]").first
    assert "2025411282000017" in card.inner_text()
    # The evidence opens (served through the permission-checked view).
    link = card.locator("a[href*='/people/practice/evidence/']").first
    response = admin_page.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    screenshot(admin_page, "practice-review-queue")
    card.locator("input[value='approve']").check()
    card.locator("button[type='submit']").click()
    admin_page.locator("[data-testid='review-empty']").wait_for()
    admin_context.close()

    # The broker's practice requirement is now met, and so is everything: ready.
    page.reload()
    assert _practice_requirement(page).get_attribute("data-met") == "true"
    assert page.locator("[data-testid='path-summary']").get_attribute("data-ready") == "true"
    assert page.locator("[data-testid='path-ready']").is_visible()
    assert page.locator("[data-testid='practice-records'] [data-status='approved']").count() == 1
    screenshot(page, "path-broker-ready")
    state = BrokerReadiness.objects.get(broker=broker, level__code="intermediate")
    assert state.ready and state.ready_since is not None  # re-evaluated after the review

    page.set_viewport_size(PHONE)
    screenshot(page, "path-broker-ready-phone")
    assert page.js_errors == []
