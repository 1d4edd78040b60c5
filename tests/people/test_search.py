"""Finding people by what staff know (name, pinyin initials, phone or ID tail), picking the one
broker some words name, and lists of people in pinyin order."""

from __future__ import annotations

import pytest
from django.urls import reverse

from academy.errors import ApplicationError
from academy.people.models import BrokerProfile, User
from academy.people.names import name_pinyin
from academy.people.search import broker_pick, broker_pick_lines, person_search
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


def test_profiles_and_enrolments_are_in_pinyin_order_by_default(people):
    from tests.courses.factories import CohortFactory, enrol

    BrokerFactory(user__full_name="阿明", user__email="a@example.test")
    assert [p.user.full_name for p in BrokerProfile.objects.select_related("user")] \
        == ["阿明", "李强", "王芳"]
    cohort = CohortFactory()
    for profile in BrokerProfile.objects.order_by("-pk"):
        enrol(profile.user, cohort)
    assert [e.user.full_name for e in cohort.enrolments.select_related("user")] \
        == ["阿明", "李强", "王芳"]


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


# --- Picking the one broker some words name ------------------------------------------------

@pytest.mark.parametrize("term", ["wang@example.test", "WANG@example.test", "王芳", "wf",
                                  "5678", "1123x"])
def test_one_broker_is_picked_by_what_staff_know(people, term):
    wang, _li = people
    assert broker_pick(term) == wang


def test_an_exact_name_picks_its_one_owner_over_longer_names(people):
    wang, _li = people
    BrokerFactory(user__full_name="王芳芳", user__email="wff@example.test")
    assert broker_pick("王芳") == wang
    with pytest.raises(ApplicationError, match="王芳芳"):
        broker_pick("芳")


def test_words_naming_several_or_nobody_are_refused_not_guessed(people, english):
    BrokerFactory(user__full_name="王强", user__email="wq@example.test")
    with pytest.raises(ApplicationError, match="Several brokers match: 王芳 .*王强"):
        broker_pick("王")
    with pytest.raises(ApplicationError, match="No broker matches “赵六”"):
        broker_pick("赵六")
    staff = UserFactory(full_name="张管理", roles=["admin"])
    with pytest.raises(ApplicationError, match="No broker matches"):
        broker_pick(staff.email)


def test_a_pick_looks_only_among_the_people_given(people):
    wang, li = people
    with pytest.raises(ApplicationError):
        broker_pick("wf", among=User.objects.filter(pk=li.pk))
    assert broker_pick("lq", among=User.objects.filter(pk=li.pk)) == li


def test_a_list_names_each_broker_once_and_reports_every_bad_line(people, english):
    wang, li = people
    BrokerFactory(user__full_name="王强", user__email="wq@example.test")
    picks = broker_pick_lines("LI@example.test\n王\n\n5678, 赵六；wf\nlq\n")
    assert picks.users == [li, wang]
    assert len(picks.problems) == 2
    assert picks.problems[0].startswith("Line 2, “王”: several brokers match: 王芳")
    assert picks.problems[1] == "Line 4, “赵六”: no broker matches."


def test_an_empty_list_names_nobody_and_has_no_problems(people):
    picks = broker_pick_lines(" \n\n")
    assert picks.users == [] and picks.problems == []
