"""factory_boy factories shared by the whole suite."""

from __future__ import annotations

import datetime
import random

import factory
from allauth.account.models import EmailAddress

from academy.people.models import BrokerProfile, Level, Organisation, Region, User
from academy.people.services import user_set_roles
from academy.people.validators import national_id_check_digit

PASSWORD = "Academy-test-2026"


def national_id(seq: int) -> str:
    """A valid, unique 18-character ID for sequence number ``seq``."""
    birth = datetime.date(1980, 1, 1) + datetime.timedelta(days=seq % 9000)
    first17 = f"411202{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + national_id_check_digit(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.get_or_create(
                user=self, email=self.email,
                defaults={"verified": extracted is not False, "primary": True},
            )

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            user_set_roles(user=self, roles=extracted)


def level(code: str = "junior") -> Level:
    return Level.objects.get(code=code)


def region(code: str = "411202") -> Region:
    return Region.objects.get(code=code)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"三门峡测试科技有限公司{n}")
    kind = Organisation.Kind.ENTERPRISE


class BrokerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BrokerProfile

    user = factory.SubFactory(UserFactory, roles=["broker"])
    level = factory.LazyFunction(level)
    level_since = datetime.date(2024, 6, 1)
    region = factory.LazyFunction(lambda: random.choice(list(Region.objects.all())))
    organisation = factory.SubFactory(OrganisationFactory)
    phone = factory.Sequence(lambda n: f"138{n % 100000000:08d}")
    national_id = factory.Sequence(national_id)


def BrokerFactory(**kwargs) -> User:  # noqa: N802 - reads like a factory at call sites
    """A user with the broker role and a profile; returns the user."""
    return BrokerProfileFactory(**kwargs).user


def totp_enrol(user: User) -> str:
    """Enrol a TOTP authenticator for ``user``; returns the secret (for computing codes)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret
