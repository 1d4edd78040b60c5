"""Finding people by what staff know (name, pinyin initials, phone or ID tail) and lists of
people in pinyin order."""

from __future__ import annotations

import pytest
from django.urls import reverse

from academy.people.models import BrokerProfile, User
from academy.people.names import name_pinyin
from academy.people.search import person_search
from tests.factories import BrokerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_names_are_stored_in_pinyin_and_initials():
    assert name_pinyin("王芳") == ("wangfang", "wf")
    assert name_pinyin("李 Lee") == ("lilee", "ll")
    user = UserFactory(full_name="赵强")
    assert (user.name_pinyin, user.name_initials) == ("zhaoqiang", "zq")
    user.full_name = "钱亚楠"
    user.save(update_fields=["full_name"])
    user.refresh_from_db()
    assert user.name_initials == "qyn"


@pytest.fixture
def people():
    wang = BrokerFactory(user__full_name="王芳", user__email="wang@example.test")
    li = BrokerFactory(user__full_name="李强", user__email="li@example.test")
    BrokerProfile.objects.filter(user=wang).update(phone="13800005678",
                                                   national_id="41120219900101123X")
    return wang, li


@pytest.mark.parametrize("term", ["王芳", "王", "wf", "WF", "wang", "5678", "1123X", "1123x",
                                  "wang@example"])
def test_a_person_is_found_by_what_staff_know(people, term):
    wang, _li = people
    assert list(person_search(term)) == [wang]


@pytest.mark.parametrize("term", ["", "1", "56", "xyz"])
def test_short_or_unknown_terms_find_nobody(people, term):
    assert not person_search(term).exists()


def test_lists_of_brokers_are_in_pinyin_order(people):
    BrokerFactory(user__full_name="阿明", user__email="a@example.test")
    names = [u.full_name for u in person_search("example.test")]
    # 阿 (a) < 李 (li) < 王 (wang); by code point 李 (U+674E) < 王 (U+738B) < 阿 (U+963F).
    assert names == ["阿明", "李强", "王芳"]


def test_the_search_endpoint_answers_the_bureau_and_scopes_trainers(client, people,
                                                                    mfa_enrolled):
    wang, _li = people
    auditor = UserFactory(roles=["auditor"])
    mfa_enrolled(auditor)
    client.force_login(auditor)
    found = client.get(reverse("people:person_search"), {"q": "wf"}).json()["results"]
    assert [r["email"] for r in found] == [wang.email]
    assert "13800005678" not in str(found) and "123X" not in str(found)

    trainer = UserFactory(roles=["trainer"])
    mfa_enrolled(trainer)
    client.force_login(trainer)
    assert client.get(reverse("people:person_search"), {"q": "wf"}).json()["results"] == []

    broker = User.objects.get(pk=wang.pk)
    client.force_login(broker)
    assert client.get(reverse("people:person_search"), {"q": "wf"}).status_code == 403
