"""Surnames with a reading of their own (曾 zeng, not ceng) in the stored pinyin, its order and
initials, and the migration that refreshes the names stored before."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from academy.people.models import User
from academy.people.names import SURNAME_READINGS, name_pinyin
from academy.people.search import person_search
from tests.factories import BrokerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("name", "full", "initials"), [
    ("曾国藩", "zengguofan", "zgf"),
    ("单田芳", "shantianfang", "stf"),
    ("解缙", "xiejin", "xj"),
    ("仇英", "qiuying", "qy"),
    ("区志强", "ouzhiqiang", "ozq"),
    ("朴树", "piaoshu", "ps"),
    ("查良镛", "zhaliangyong", "zly"),
    ("乐嘉", "yuejia", "yj"),
    ("盖聂", "genie", "gn"),
    ("缪斯", "miaosi", "ms"),
    ("翟志刚", "zhaizhigang", "zzg"),
    ("覃文", "qinwen", "qw"),
    ("召南", "shaonan", "sn"),
    ("种师道", "chongshidao", "csd"),
    ("秘书", "bishu", "bs"),
])
def test_a_polyphonic_surname_is_read_as_a_surname(name, full, initials):
    assert name_pinyin(name) == (full, initials)


@pytest.mark.parametrize(("name", "full", "initials"), [
    ("尉迟恭", "yuchigong", "ycg"),
    ("万俟卨", "moqixie", "mqx"),
    ("单于宏", "chanyuhong", "cyh"),
    ("长孙无忌", "zhangsunwuji", "zswj"),
])
def test_a_compound_surname_is_read_before_its_first_character(name, full, initials):
    assert name_pinyin(name) == (full, initials)


def test_only_the_start_of_a_name_is_read_as_a_surname():
    # 尉 alone is wei; 曾 inside a given name keeps its ordinary reading.
    assert name_pinyin("尉缭") == ("weiliao", "wl")
    assert name_pinyin("王曾") == ("wangceng", "wc")
    assert name_pinyin("Zeng Li") == ("zengli", "zl")


def test_the_table_lists_compound_surnames_before_single_characters():
    lengths = [len(surname) for surname in SURNAME_READINGS]
    assert lengths == sorted(lengths, reverse=True)


def test_surnames_sort_and_are_found_by_their_reading():
    zeng = BrokerFactory(user__full_name="曾国藩", user__email="zeng@example.test")
    BrokerFactory(user__full_name="蔡明", user__email="cai@example.test")
    BrokerFactory(user__full_name="王芳", user__email="wang@example.test")
    # cai < wang < zeng; read as ceng, 曾 would come before 王.
    assert [u.full_name for u in person_search("example.test")] == ["蔡明", "王芳", "曾国藩"]
    assert list(person_search("zgf")) == [zeng]
    assert not person_search("cgf").exists()


def test_the_migration_refreshes_names_stored_before_and_only_those():
    refresh = importlib.import_module(
        "academy.people.migrations.0010_surname_readings").refresh_surname_pinyin
    zeng = UserFactory(full_name="曾国藩")
    yuchi = UserFactory(full_name="尉迟恭")
    wang = UserFactory(full_name="王芳")
    # As the character-by-character reading stored them (an update skips save()).
    User.objects.filter(pk=zeng.pk).update(name_pinyin="cengguofan", name_initials="cgf")
    User.objects.filter(pk=yuchi.pk).update(name_pinyin="weichigong", name_initials="wcg")
    User.objects.filter(pk=wang.pk).update(name_pinyin="stale", name_initials="s")

    refresh(apps, None)

    stored = dict(User.objects.values_list("full_name", "name_initials"))
    assert stored == {"曾国藩": "zgf", "尉迟恭": "ycg", "王芳": "s"}
    assert User.objects.get(pk=zeng.pk).name_pinyin == "zengguofan"
