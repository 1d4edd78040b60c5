"""Backends that write each message as a JSON file (the demo, development): ``var/sms/`` and
``var/wecom/``. Everything they write counts as delivered."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from django.utils import timezone

from ..conf import app_settings
from .base import Receipt, SendResult


def _write(folder: str, payload: dict[str, Any]) -> str:
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    message_id = uuid.uuid4().hex
    payload = {"id": message_id, "at": timezone.now().isoformat(), **payload}
    name = f"{timezone.now():%Y%m%d-%H%M%S}-{message_id[:12]}.json"
    (path / name).write_text(json.dumps(payload, ensure_ascii=False, indent=2),
                             encoding="utf-8")
    return message_id


class FileSmsBackend:
    """SMS as files in ``ACADEMY_NOTIFY_SMS_FILE_DIR``: the template and its variables."""

    name = "file"

    def send(self, *, phone: str, template_code: str, params: Mapping[str, str],
             sign_name: str) -> SendResult:
        return SendResult(_write(app_settings.NOTIFY_SMS_FILE_DIR, {
            "phone": phone, "sign_name": sign_name, "template_code": template_code,
            "params": dict(params)}))

    def receipts(self, rows: Iterable[Any]) -> list[Receipt]:
        return [Receipt(provider_id=row.provider_id, delivered=True) for row in rows]


class FileWecomBackend:
    """WeCom messages as files in ``ACADEMY_NOTIFY_WECOM_FILE_DIR``."""

    name = "file"

    def send(self, *, userid: str, text: str) -> SendResult:
        return SendResult(_write(app_settings.NOTIFY_WECOM_FILE_DIR,
                                 {"touser": userid, "text": text}))
