"""What every channel backend returns and raises."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SendResult:
    """The provider accepted the message; ``provider_id`` identifies it in receipts."""

    provider_id: str = ""


@dataclass(frozen=True)
class Receipt:
    """A delivery receipt: ``delivered`` True or False (None: the provider does not know yet)."""

    provider_id: str
    delivered: bool | None
    error: str = ""


class ChannelFailure(Exception):
    """A send that did not go through; ``code`` is the provider's error code, if any."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.code = code


class TemporaryFailure(ChannelFailure):
    """Network trouble, throttling, a provider outage: worth trying again later."""


class PermanentFailure(ChannelFailure):
    """A wrong number, an unapproved template, an unknown account: trying again won't help."""
