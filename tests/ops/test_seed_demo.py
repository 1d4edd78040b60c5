"""`manage.py seed_demo`: the demo accounts of DESIGN.md, idempotent, refused without DEBUG."""

import sys
import types
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from academy.people import demo
from academy.people.models import BrokerProfile, Organisation, Region, User
from academy.people.roles import Role, user_roles
from academy.people.validators import validate_national_id, validate_phone

pytestmark = pytest.mark.django_db

STAFF_EMAILS = ["admin@demo.local", "auditor@demo.local", "trainer1@demo.local",
                "trainer2@demo.local"]


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out, **options)
    return out.getvalue()


def _all_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_seed_demo_creates_the_accounts_of_the_design():
    seed()

    demo_users = User.objects.filter(email__endswith="@demo.local")
    assert demo_users.count() == 60
    for email in STAFF_EMAILS:
        assert demo_users.filter(email=email).exists()
    for number in range(1, 57):
        assert demo_users.filter(email=f"broker{number:02d}@demo.local").exists()

    profiles = BrokerProfile.objects.filter(user__email__endswith="@demo.local")
    assert profiles.count() == 56
    assert profiles.filter(level__code="intermediate").count() == 13
    assert profiles.filter(level__code="junior").count() == 43
    assert not profiles.filter(level_since__isnull=True).exists()


def test_seed_demo_gives_each_account_its_role():
    seed()

    assert user_roles(User.objects.get(email="admin@demo.local")) == {Role.ADMIN}
    assert User.objects.get(email="admin@demo.local").is_staff
    assert user_roles(User.objects.get(email="auditor@demo.local")) == {Role.AUDITOR}
    for email in ("trainer1@demo.local", "trainer2@demo.local"):
        assert user_roles(User.objects.get(email=email)) == {Role.TRAINER}
    brokers = User.objects.filter(email__startswith="broker", email__endswith="@demo.local")
    assert all(user_roles(user) == {Role.BROKER} for user in brokers)
    assert not brokers.filter(is_staff=True).exists()


def test_demo_brokers_spread_over_every_region_and_several_organisations():
    seed()

    profiles = BrokerProfile.objects.filter(user__email__endswith="@demo.local")
    assert set(profiles.values_list("region", flat=True)) == set(
        Region.objects.values_list("pk", flat=True)
    )
    organisations = set(profiles.values_list("organisation__name", flat=True))
    assert len(organisations) >= 6
    assert "三门峡职业技术学院" in organisations
    assert Organisation.objects.filter(name__in=organisations, region__isnull=False).count() == len(
        organisations
    )


def test_demo_brokers_have_valid_unique_ids_phones_and_chinese_names():
    seed()

    profiles = list(BrokerProfile.objects.filter(user__email__endswith="@demo.local")
                    .select_related("user"))
    for profile in profiles:
        validate_national_id(profile.national_id)
        validate_phone(profile.phone)
        assert 2 <= len(profile.user.full_name) <= 4
        assert all("\u4e00" <= char <= "\u9fff" for char in profile.user.full_name)
    assert len({p.national_id for p in profiles}) == 56
    assert len({p.user.full_name for p in profiles}) == 56


def test_demo_email_addresses_are_verified():
    seed()

    addresses = EmailAddress.objects.filter(email__endswith="@demo.local")
    assert addresses.count() == 60
    assert addresses.filter(verified=True, primary=True).count() == 60


@pytest.mark.parametrize("email", [*STAFF_EMAILS, "broker01@demo.local", "broker56@demo.local"])
def test_demo_password_works(email):
    seed()

    user = authenticate(username=email, password=demo.PASSWORD)

    assert user is not None
    assert user.email == email
    assert demo.PASSWORD == "Academy-demo-2026"


def test_seed_demo_twice_changes_nothing():
    seed()
    first = _all_counts()

    output = seed()

    assert _all_counts() == first
    assert "0 demo account(s) created" in output


def test_seed_demo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=StringIO())

    assert not User.objects.filter(email__endswith="@demo.local").exists()


def test_seed_demo_runs_without_force_when_debug_is_on(settings):
    settings.DEBUG = True

    call_command("seed_demo", stdout=StringIO())

    assert User.objects.filter(email__endswith="@demo.local").count() == 60


def test_seed_demo_prints_the_accounts_table():
    output = seed()

    assert "Academy-demo-2026" in output
    for email in [*STAFF_EMAILS, "broker01@demo.local", "broker56@demo.local"]:
        assert email in output


def test_seed_demo_runs_every_other_apps_demo_module_in_installed_apps_order(monkeypatch):
    from academy.people.management.commands import seed_demo as command

    calls = []
    for name in ("courses", "exams"):
        module = types.ModuleType(f"{name}.demo")
        module.seed = lambda stdout, name=name: calls.append(
            (name, User.objects.filter(email__endswith="@demo.local").count())
        )
        monkeypatch.setitem(sys.modules, f"{name}.demo", module)
    real = command.module_has_submodule
    monkeypatch.setattr(
        command, "module_has_submodule",
        lambda package, name: package.__name__ in {"courses", "exams"} or real(package, name),
    )

    seed()

    # After the people app (the accounts exist), in INSTALLED_APPS order.
    assert calls == [("courses", 60), ("exams", 60)]
