"""Every role's daily work in a real browser, on the demo data, in Chinese and in English.

- The broker finds the course catalogue and the practice records in the menu and enrols in
  an open cohort; every page the broker menu reaches, and a practice record's own page, fits a
  390 px phone (no horizontal scrolling, no column squeezed to a character per line) and reads
  without raw dicts, event codes or UTC offsets. (The exam's pages on a phone:
  tests/e2e/test_exam_browser.py.)
- The trainer's home shows the grading backlog, the next sessions and the brokers behind; the
  trainer starts a new course, plans a session with its times filled in, and the QR page
  shows no code before check-in opens.
- The auditor's dashboard draws its charts (ECharts) with a table one click away, and the
  audit trail finds a person by pinyin initials and reads as sentences.
- The administrator downloads a roster's error report, enrols a broker in a cohort by typing
  part of their name and picking the suggestion, and issues a certificate by hand to a broker
  found by name.

Screenshots of each role's home, the dashboard and the phone transcript are saved under
var/screenshots/ (CI keeps them as artifacts).
"""

from __future__ import annotations

import contextlib
import datetime
import io
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from academy.people import demo as people_demo
from academy.people.models import User
from certificates.selectors import broker_readiness
from courses import demo as courses_demo
from tests.browser import DESKTOP, PHONE, assert_fits, click_menu_item
from tests.certificates.factories import submitted_record
from tests.talent.test_readable_records import assert_readable

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BROKER = "broker14@demo.local"  # a junior demo broker, enrolled in the demo cohort
TRAINER = "trainer1@demo.local"
AUDITOR = "auditor@demo.local"
ADMIN = "admin@demo.local"
LANGUAGES = [("zh", ""), ("en", "/en")]

@pytest.fixture
def demo(settings):
    settings.ACADEMY_STAFF_MFA_REQUIRED = False
    cache.clear()
    out = io.StringIO()
    people_demo.seed(out)
    courses_demo.seed(out)
    yield
    cache.clear()


def log_in(page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.fill("input[name='login']", email)
    page.fill("input[name='password']", people_demo.PASSWORD)
    page.locator("form:has(input[name='login']) button[type='submit']").click()
    page.wait_for_url(re.compile(r"^" + re.escape(base_url) + r"/(\?.*)?$"))


def open_menu(page) -> None:
    """On a narrow screen the menu is behind its toggler."""
    toggler = page.locator("button.navbar-toggler")
    if toggler.is_visible() and not page.locator("#mainnav").is_visible():
        toggler.click()
        page.locator("#mainnav").wait_for(state="visible")


def menu_click(page, href: str) -> None:
    open_menu(page)
    click_menu_item(page, href)


def test_every_page_of_the_broker_menu_fits_a_phone_and_reads_well(
        browser, live_server, demo, screenshot):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, timezone_id="Asia/Shanghai")
    page = context.new_page()
    try:
        log_in(page, live_server.url, BROKER)
        open_menu(page)
        hrefs = page.eval_on_selector_all(
            "#mainnav a[href]:not([href='#']), .dropdown-menu a.dropdown-item[href]",
            "els => [...new Set(els.map(e => e.getAttribute('href')))]")
        assert "/courses/open/" in hrefs and "/people/practice/" in hrefs
        record = submitted_record(User.objects.get(email=BROKER),
                                  contract_name="灵宝市黄金尾矿综合利用与选冶一体化技术转让合同")
        hrefs += ["/notifications/", "/people/practice/new/", "/glossary/",
                  f"/people/practice/{record.pk}/"]
        for prefix in ("", "/en"):
            for href in hrefs:
                page.goto(live_server.url + prefix + href)
                assert_fits(page, PHONE["width"])
                assert_readable(page.locator("main").inner_text())
        page.goto(live_server.url + "/courses/transcript/")
        cards = page.locator("[data-testid='transcript-hours'] tbody tr")
        assert cards.count() >= 1
        # A card: the course's name on its own line, the figures under it.
        assert cards.first.evaluate("tr => getComputedStyle(tr).display") == "flex"
        screenshot(page, "phone-transcript-zh")
        page.set_viewport_size({"width": 360, "height": 780})
        page.reload()
        assert_fits(page, 360)
    finally:
        context.close()


@pytest.mark.parametrize(("language", "prefix"), LANGUAGES)
def test_broker_finds_the_catalogue_and_practice_records_and_enrols(
        page, live_server, demo, screenshot, language, prefix):
    from courses.models import Cohort, Enrolment
    from tests.courses.factories import CohortFactory

    demo_cohort = Cohort.objects.get(code=courses_demo.COHORT_CODE)
    open_cohort = CohortFactory(programme=demo_cohort.programme, name="2027年春季培训班",
                                is_open_for_enrolment=True)
    Enrolment.objects.filter(user__email=BROKER).delete()
    log_in(page, live_server.url, BROKER)
    page.goto(live_server.url + prefix + "/")
    assert page.locator("html").get_attribute("lang") == ("zh-CN" if language == "zh" else "en")
    assert_fits(page, DESKTOP["width"])  # the menu fits on one line
    screenshot(page, f"home-broker-{language}")
    menu_click(page, prefix + "/courses/open/")
    assert page.locator("[data-testid='catalogue'] .card").count() >= 4
    page.locator(f"[data-testid='enrol-{open_cohort.pk}']").click()
    page.wait_for_url(re.compile(r"/courses/programme/$"))
    assert Enrolment.objects.filter(user__email=BROKER, cohort=open_cohort).exists()
    menu_click(page, prefix + "/people/practice/")
    assert page.locator("main h1").count() == 1


@pytest.mark.parametrize(("language", "prefix"), LANGUAGES)
def test_trainer_sees_the_day_starts_a_course_and_plans_a_session(
        page, live_server, demo, screenshot, language, prefix):
    from courses.models import Cohort, Course, OfflineSession
    from tests.courses.factories import OfflineSessionFactory

    cohort = Cohort.objects.get(code=courses_demo.COHORT_CODE)
    later = OfflineSessionFactory(cohort=cohort, title="成果评价实务",
                                  starts_at=timezone.now() + datetime.timedelta(days=3))
    log_in(page, live_server.url, TRAINER)
    page.goto(live_server.url + prefix + "/")
    for testid in ("home-grading", "home-sessions", "home-overdue"):
        assert page.locator(f"[data-testid='{testid}']").is_visible()
    assert page.locator("[data-testid='home-sessions']", has_text="成果评价实务").count() == 1
    assert_fits(page, DESKTOP["width"])  # the menu fits on one line
    screenshot(page, f"home-trainer-{language}")

    page.locator("[data-testid='new-course']").first.click()
    page.fill("input[name='title']", "技术经纪人职业道德")
    page.fill("input[name='code']", f"ethics-{language}")
    page.select_option("select[name='area']", index=1)
    page.select_option("select[name='level']", index=1)
    page.locator("main form button[type='submit']").click()
    page.wait_for_url(re.compile(r"/courses/teach/\d+/$"))
    assert Course.objects.filter(code=f"ethics-{language}", owners__email=TRAINER).exists()

    page.goto(live_server.url + prefix + f"/courses/cohorts/{cohort.pk}/sessions/new/")
    starts = page.input_value("input[name='starts_at']")
    assert starts.endswith("T09:00")
    assert page.input_value("input[name='checkin_opens_at']").endswith("T08:30")
    page.fill("input[name='title']", "政策解读")
    page.fill("input[name='place']", "科技局会议室")
    page.locator("main form button[type='submit']").click()
    page.wait_for_url(re.compile(r"/courses/sessions/\d+/$"))
    planned = OfflineSession.objects.get(title="政策解读")
    assert timezone.localtime(planned.starts_at).hour == 9

    page.goto(live_server.url + prefix + f"/courses/sessions/{later.pk}/qr/")
    assert page.locator("[data-testid='qr-not-open']").is_visible()
    assert page.locator("#checkin-qr").count() == 0


# Each drawn chart's value-axis name (the text elements reading the spec's value_name) and
# the texts (the name, axis labels, data labels) lying outside the chart's SVG, where they
# would be cut off.
CHART_TEXTS = """() => Array.from(document.querySelectorAll("figure[data-chart-ready='1']"),
  figure => {
    const spec = JSON.parse(document.getElementById(figure.dataset.chart).textContent);
    const svg = figure.querySelector("[data-chart-canvas] svg");
    const box = svg.getBoundingClientRect();
    const texts = Array.from(svg.querySelectorAll("text"));
    const outside = texts.filter(t => {
      const r = t.getBoundingClientRect();
      return r.left < box.left - 0.5 || r.right > box.right + 0.5 ||
        r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5;
    });
    return {chart: figure.dataset.chart, name: spec.value_name,
            named: texts.filter(t => t.textContent.trim() === spec.value_name).length,
            outside: outside.map(t => t.textContent)};
  })"""


@pytest.mark.parametrize(("language", "prefix"), LANGUAGES)
def test_auditor_reads_charts_and_finds_a_person_in_the_audit_trail(
        page, live_server, demo, screenshot, language, prefix):
    from academy.audit.services import audit_record
    from academy.people.models import User

    broker = User.objects.get(email=BROKER)
    audit_record(action="people.level_changed", subject=broker.broker_profile, person=broker,
                 actor_label="system", before={"level": "junior"},
                 after={"level": "intermediate", "level_since": "2026-12-01"})
    log_in(page, live_server.url, AUDITOR)
    page.goto(live_server.url + prefix + "/")
    assert_fits(page, DESKTOP["width"])  # the menu fits on one line
    screenshot(page, f"home-auditor-{language}")

    page.goto(live_server.url + prefix + "/talent/")
    figure = page.locator("figure[data-chart='chart-by-level']")
    figure.locator("[data-chart-canvas] svg").wait_for()
    assert figure.get_attribute("data-chart-ready") == "1"
    assert not figure.locator("[data-chart-table]").is_visible()
    page.wait_for_function(
        "() => document.querySelectorAll(\"figure[data-chart-ready='1']\").length >= 5")
    screenshot(page, f"dashboard-{language}")
    # A full-page screenshot resizes the window and the charts redraw on the next animation
    # frame: wait (with a deadline) until no text lies outside its chart, then assert.
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(f"() => ({CHART_TEXTS})().every(c => c.outside.length === 0)",
                               timeout=10_000)
    charts = page.evaluate(CHART_TEXTS)
    assert len(charts) >= 5 and all(c["named"] for c in charts), charts
    assert [c for c in charts if c["outside"]] == [], "texts cut off at the chart's edge"
    figure.locator("[data-chart-toggle]").click()
    table = figure.locator("[data-chart-table]")
    assert table.is_visible()
    table.locator("a").first.click()
    page.wait_for_url(re.compile(r"/talent/brokers/\?.*level="))

    page.goto(live_server.url + prefix + "/talent/audit/")
    person = page.locator("input[name='person']")
    person.fill(broker.name_initials)
    page.wait_for_function(
        "email => Array.from(document.querySelectorAll('#id_person-suggestions option'),"
        " o => o.value).includes(email)", arg=BROKER)
    page.locator("main form:has(input[name='person']) button[type='submit']").click()
    page.wait_for_url(re.compile(r"person="))
    sentences = page.locator("[data-testid='event-sentence']").all_inner_texts()
    assert sentences and all(broker.full_name in s or "系统" in s or "system" in s.lower()
                             for s in sentences)
    assert_readable(page.locator("main").inner_text())


@pytest.mark.parametrize(("language", "prefix"), LANGUAGES)
def test_admin_downloads_the_roster_error_report_enrols_and_issues_by_name(
        page, live_server, demo, screenshot, language, prefix, tmp_path):
    from academy.people.models import User
    from certificates.models import Certificate
    from courses.models import Cohort, Enrolment

    log_in(page, live_server.url, ADMIN)
    page.goto(live_server.url + prefix + "/")
    assert_fits(page, DESKTOP["width"])  # the menu fits on one line
    screenshot(page, f"home-admin-{language}")

    roster = tmp_path / "roster.csv"
    roster.write_text("姓名,邮箱,区域,等级\n李四,not-an-email,火星区,初级\n", encoding="utf-8")
    page.goto(live_server.url + prefix + "/people/roster/import/")
    assert page.locator("[data-testid='roster-lists']").is_visible()
    page.set_input_files("input[type='file']", str(roster))
    page.locator("main form[enctype] button[type='submit']").click()
    with page.expect_download() as download:
        page.locator("[data-testid='roster-error-report']").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    # Enrolment: part of a name (the demo cohort has the juniors; an intermediate is not in it).
    cohort = Cohort.objects.get(code=courses_demo.COHORT_CODE)
    newcomer = next(u for u in User.objects.filter(broker_profile__level__code="intermediate")
                    .exclude(enrolments__cohort=cohort).order_by("email")
                    if len(u.full_name) >= 3)
    page.goto(live_server.url + prefix + f"/courses/cohorts/{cohort.pk}/enrol/")
    field = page.locator("input[name='one-broker']")
    field.fill(newcomer.full_name[:2])
    suggestion = page.locator(f"#id_one-broker-suggestions option[value='{newcomer.email}']")
    suggestion.wait_for(state="attached")
    assert newcomer.full_name in suggestion.get_attribute("label")
    # Choosing a suggestion of a <datalist> puts its value into the field.
    field.fill(suggestion.get_attribute("value"))
    page.locator("[data-testid='enrol-one'] button[type='submit']").click()
    page.locator(".alert-success").first.wait_for()
    assert newcomer.full_name in page.locator(".alert-success").first.inner_text()
    assert Enrolment.objects.filter(cohort=cohort, user=newcomer).exists()

    broker = User.objects.get(email=BROKER)
    page.goto(live_server.url + prefix + "/certificates/issue/")
    field = page.locator("input[name='broker']")
    field.fill(broker.full_name)
    page.wait_for_function(
        "email => Array.from(document.querySelectorAll('#id_broker-suggestions option'),"
        " o => o.value).includes(email)", arg=BROKER)
    page.select_option("select[name='level']", "intermediate")
    page.fill("textarea[name='reason']", "省厅认定")
    page.locator("[data-testid='issue-form'] button").click()
    preview = page.locator("[data-testid='issue-preview']")
    preview.wait_for()
    readiness = broker_readiness(broker)
    if readiness.level is not None and readiness.level.code == "intermediate":
        assert preview.get_attribute("data-relation") == "next"
        shown = page.locator("[data-testid='issue-preview-requirements'] li").count()
        assert shown == len(readiness.requirements)
        assert shown or page.locator("[data-testid='issue-preview-unpublished']").is_visible()
    else:
        assert preview.get_attribute("data-relation") in ("held", "beyond")
    screenshot(page, f"issue-preview-{language}")
    page.locator("[data-testid='issue-confirm']").click()
    page.wait_for_url(re.compile(r"/certificates/(?!issue)"))
    assert Certificate.objects.filter(broker=broker, level__code="intermediate").exists()
