"""The navigation of each role. Items whose URL does not exist yet are left out.

An app that adds a page for a role appends a ``NavItem`` here; the permission matrix test
(tests/ui/test_permission_matrix.py) then insists that the page's access rules are listed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from academy.people.selectors import Role, user_roles

# Menu groups: items of one group that a role sees become one drop-down (a group the role
# sees only one item of stays a plain link), so that the admin's menu fits on one line.
TRAINING = _("Training")
PEOPLE = _("People")
EXAMS = _("Exams")
BUREAU = _("Statistics")
CERTIFICATION = _("Certification")
SYSTEM = _("System")
# A broker's menu: learning, and the way to the next level.
LEARNING = _("Learning")
MY_CERTIFICATION = _("My certification")


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[str]
    icon: str = ""
    group: str | Promise | None = None


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem(_("Home"), "home", frozenset(Role.values)),
    # courses: brokers learn, trainers teach, admins and auditors oversee cohorts.
    NavItem(_("My programme"), "courses:my_programme", frozenset({Role.BROKER}),
            group=LEARNING),
    NavItem(_("Course catalogue"), "courses:open_cohorts", frozenset({Role.BROKER}),
            group=LEARNING),
    NavItem(_("Transcript"), "courses:transcript", frozenset({Role.BROKER}), group=LEARNING),
    NavItem(_("My exams"), "exams:my_exams", frozenset({Role.BROKER})),
    NavItem(_("My practice records"), "people:practice_list", frozenset({Role.BROKER}),
            group=MY_CERTIFICATION),
    NavItem(_("My path"), "certificates:my_path", frozenset({Role.BROKER}),
            group=MY_CERTIFICATION),
    NavItem(_("My certificates"), "certificates:my_certificates", frozenset({Role.BROKER}),
            group=MY_CERTIFICATION),
    NavItem(_("My cohorts"), "courses:cohort_list", frozenset({Role.TRAINER}), group=TRAINING),
    NavItem(_("My courses"), "courses:trainer_courses", frozenset({Role.TRAINER}),
            group=TRAINING),
    NavItem(_("Cohorts"), "courses:cohort_list", frozenset({Role.ADMIN, Role.AUDITOR}),
            group=TRAINING),
    # One broker list per role: the bureau's (filters, drill-down, export) for admins and
    # auditors, the trainer's own brokers for trainers.
    NavItem(_("Brokers"), "talent:broker_list", frozenset({Role.ADMIN, Role.AUDITOR}),
            group=PEOPLE),
    NavItem(_("My brokers"), "people:broker_list", frozenset({Role.TRAINER}), group=PEOPLE),
    NavItem(_("Roster import"), "people:roster_import", frozenset({Role.ADMIN}), group=PEOPLE),
    NavItem(_("Practice review"), "people:practice_review_queue", frozenset({Role.ADMIN}),
            group=PEOPLE),
    # exams: the bank and papers (trainers, admins), sittings (and auditors), grading.
    NavItem(_("Question bank"), "exams:question_list", frozenset({Role.TRAINER, Role.ADMIN}),
            group=EXAMS),
    NavItem(_("Papers"), "exams:paper_list", frozenset({Role.TRAINER, Role.ADMIN}), group=EXAMS),
    NavItem(_("Sittings"), "exams:sitting_list",
            frozenset({Role.TRAINER, Role.ADMIN, Role.AUDITOR}), group=EXAMS),
    NavItem(_("Grading"), "exams:grading_queue", frozenset({Role.TRAINER}), group=EXAMS),
    # certificates: all of them for the bureau.
    NavItem(_("Certificates"), "certificates:certificate_list",
            frozenset({Role.ADMIN, Role.AUDITOR}), group=CERTIFICATION),
    NavItem(_("Ready for promotion"), "certificates:ready_list",
            frozenset({Role.ADMIN, Role.AUDITOR}), group=CERTIFICATION),
    NavItem(_("Issue by hand"), "certificates:certificate_issue", frozenset({Role.ADMIN}),
            group=CERTIFICATION),
    NavItem(_("Unified numbers"), "certificates:torch_numbers", frozenset({Role.ADMIN}),
            group=CERTIFICATION),
    NavItem(_("Torch Centre filing"), "certificates:filing",
            frozenset({Role.ADMIN, Role.AUDITOR}), group=CERTIFICATION),
    NavItem(_("Certificate design"), "certificates:design_overview", frozenset({Role.ADMIN}),
            group=CERTIFICATION),
    NavItem(_("Bulk runs"), "certificates:bulk_list", frozenset({Role.ADMIN, Role.AUDITOR}),
            group=CERTIFICATION),
    # talent: the bureau's dashboard and audit trail viewer.
    NavItem(_("Dashboard"), "talent:dashboard", frozenset({Role.ADMIN, Role.AUDITOR}),
            group=BUREAU),
    NavItem(_("Audit trail"), "talent:audit", frozenset({Role.ADMIN, Role.AUDITOR}),
            group=BUREAU),
    NavItem(_("Registered totals"), "talent:registered_list",
            frozenset({Role.ADMIN, Role.AUDITOR}), group=BUREAU),
    NavItem(_("My exports"), "talent:export_list", frozenset({Role.ADMIN, Role.AUDITOR}),
            group=BUREAU),
    NavItem(_("API"), "api-docs", frozenset({Role.ADMIN, Role.AUDITOR}), group=SYSTEM),
    NavItem(_("Back office"), "admin:index", frozenset({Role.ADMIN}), group=SYSTEM),
)

# The user menu: the person's own account pages (allauth), the same for every role.
ACCOUNT_ITEMS: tuple[tuple[str | Promise, str], ...] = (
    (_("Change Password"), "account_change_password"),
    (_("Email Addresses"), "account_email"),
    (_("Two-Factor Authentication"), "mfa_index"),
)


def _is_active(url: str, path: str, home_url: str) -> bool:
    # Home matches only itself; a section matches its own pages below it too.
    if url == home_url:
        return path == url
    return path == url or path.startswith(url.rstrip("/") + "/")


def nav_for(user, path: str = "") -> list[dict[str, object]]:
    """The main menu of ``user``; ``active`` marks the item of the page at ``path``."""
    roles = user_roles(user)
    home_url = reverse("home")
    items = []
    for item in NAV_ITEMS:
        if not roles & item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({
            "label": item.label,
            "url": url,
            "url_name": item.url_name,
            "group": item.group,
            "active": bool(path) and _is_active(url, path, home_url),
        })
    return items


def nav_menu(items: list[dict[str, object]]) -> list[dict[str, object]]:
    """``nav_for``'s items with each group folded into one drop-down entry."""
    menu: list[dict[str, object]] = []
    for item in items:
        group = item["group"]
        last = menu[-1] if menu else None
        if group is not None and last is not None and last.get("group") == group:
            last["children"].append(item)  # type: ignore[union-attr]
            last["active"] = last["active"] or item["active"]
            continue
        menu.append({"label": group or item["label"], "group": group,
                     "children": [item], "active": item["active"]})
    # A group the role sees only one page of is a plain link with that page's own name.
    return [entry["children"][0] if len(entry["children"]) == 1 else entry  # type: ignore[arg-type]
            for entry in menu]


def account_nav(path: str = "") -> list[dict[str, object]]:
    """The account pages of the user menu and of the account layout's side menu."""
    items = []
    for label, url_name in ACCOUNT_ITEMS:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({
            "label": label,
            "url": url,
            "url_name": url_name,
            "active": bool(path) and (path == url or path.startswith(url)),
        })
    return items
