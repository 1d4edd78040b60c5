"""Each app's settings: a settings module wins, then the environment, then conf.py's default."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from academy.appconf import AppSettings

conf = AppSettings("ACADEMY_", {
    "EXAMPLE_SECONDS": 90,
    "EXAMPLE_ON": True,
    "EXAMPLE_DAYS": [7, 3, 1],
    "EXAMPLE_NAME": "三门峡",
})


def test_the_default_applies_when_nothing_sets_the_value(monkeypatch):
    monkeypatch.delenv("EXAMPLE_SECONDS", raising=False)
    assert conf.EXAMPLE_SECONDS == 90
    assert conf.defaults()["ACADEMY_EXAMPLE_DAYS"] == [7, 3, 1]


def test_the_environment_overrides_the_default_cast_to_its_type(monkeypatch):
    monkeypatch.setenv("EXAMPLE_SECONDS", "120")
    monkeypatch.setenv("EXAMPLE_ON", "no")
    monkeypatch.setenv("EXAMPLE_DAYS", "14, 2")
    monkeypatch.setenv("EXAMPLE_NAME", "洛阳")
    assert conf.EXAMPLE_SECONDS == 120
    assert conf.EXAMPLE_ON is False
    assert conf.EXAMPLE_DAYS == [14, 2]
    assert conf.EXAMPLE_NAME == "洛阳"


def test_a_settings_module_wins_over_the_environment(monkeypatch, settings):
    monkeypatch.setenv("EXAMPLE_SECONDS", "120")
    settings.ACADEMY_EXAMPLE_SECONDS = 5
    assert conf.EXAMPLE_SECONDS == 5


def test_a_malformed_environment_value_is_a_configuration_error(monkeypatch):
    monkeypatch.setenv("EXAMPLE_SECONDS", "ninety")
    with pytest.raises(ImproperlyConfigured, match="EXAMPLE_SECONDS"):
        _ = conf.EXAMPLE_SECONDS
    monkeypatch.setenv("EXAMPLE_ON", "maybe")
    with pytest.raises(ImproperlyConfigured, match="EXAMPLE_ON"):
        _ = conf.EXAMPLE_ON


def test_an_undeclared_setting_is_an_attribute_error():
    with pytest.raises(AttributeError):
        _ = conf.NOT_DECLARED
