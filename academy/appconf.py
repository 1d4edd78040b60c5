"""Each app's settings, with their documented defaults in one place (django-allauth's
``app_settings`` is the model).

An app declares its tunables once, in its own ``conf.py``::

    app_settings = AppSettings("ACADEMY_", {
        # How long a QR check-in token stays valid after it was shown (seconds).
        "CHECKIN_TOKEN_SECONDS": 90,
    })

and reads them as attributes: ``app_settings.CHECKIN_TOKEN_SECONDS`` is, at every access,

1. ``settings.ACADEMY_CHECKIN_TOKEN_SECONDS`` when a settings module (or a test, through
   ``override_settings`` or pytest-django's ``settings``) sets it;
2. else the environment variable of the same name without ``ACADEMY_``
   (``CHECKIN_TOKEN_SECONDS=120``), cast to the type of the default: ``true``/``1``/``yes``/``on``
   for a boolean, a comma-separated list for a list;
3. else the default declared in ``conf.py``.

So a deployment configures the apps from the environment, and no settings module repeats a
default.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def _cast(raw: str, default: Any, name: str) -> Any:
    """``raw``, from the environment, as a value of the type of ``default``."""
    try:
        if isinstance(default, bool):
            lowered = raw.strip().lower()
            if lowered not in _TRUE | _FALSE:
                raise ValueError(raw)
            return lowered in _TRUE
        if isinstance(default, int | float):
            return type(default)(raw)
        if isinstance(default, list | tuple):
            item = type(default[0]) if default else str
            return [item(part.strip()) for part in raw.split(",") if part.strip()]
    except ValueError as error:
        raise ImproperlyConfigured(
            f"The environment variable {name}={raw!r} is not a {type(default).__name__}"
        ) from error
    return raw


class AppSettings:
    """The settings of one app whose names start with ``prefix``, and their defaults."""

    def __init__(self, prefix: str, defaults: Mapping[str, Any]) -> None:
        self._prefix = prefix
        self._defaults = dict(defaults)

    def __getattr__(self, name: str) -> Any:
        try:
            default = self._defaults[name]
        except KeyError:
            raise AttributeError(f"{self._prefix}{name} is not a setting of this app") from None
        full_name = self._prefix + name
        value = getattr(settings, full_name, _UNSET)
        if value is not _UNSET:
            return value
        env_name = full_name.removeprefix("ACADEMY_")
        raw = os.environ.get(env_name)
        return default if raw is None else _cast(raw, default, env_name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._defaults)

    def defaults(self) -> dict[str, Any]:
        """Each setting's full name and its documented default."""
        return {self._prefix + name: value for name, value in self._defaults.items()}


_UNSET = object()
