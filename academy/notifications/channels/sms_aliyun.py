"""Aliyun SMS (短信服务, Dysmsapi 2017-05-25) through Alibaba Cloud's own SDK.

``SendSms`` sends one template to one number; the SDK signs each request (V3,
ACS3-HMAC-SHA256). ``QuerySendDetails`` reads the delivery receipt of a sent message by its
``BizId``, number and date. Settings: ``ACADEMY_NOTIFY_ALIYUN_ACCESS_KEY_ID``,
``..._ACCESS_KEY_SECRET``, ``..._ENDPOINT`` (``dysmsapi.aliyuncs.com``) and
``..._PROTOCOL`` (``https``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import timezone

from ..conf import app_settings
from .base import PermanentFailure, Receipt, SendResult, TemporaryFailure

#: Response codes that mean "try later" (throttling, the provider's own trouble).
TEMPORARY_CODES = frozenset({
    "isv.BUSINESS_LIMIT_CONTROL", "isp.SYSTEM_ERROR", "isp.RAM_PERMISSION_DENY",
    "isv.OUT_OF_SERVICE", "isv.AMOUNT_NOT_ENOUGH", "Throttling", "Throttling.User",
    "ServiceUnavailable", "InternalError",
})
# QuerySendDetails' SendStatus: 1 waiting for the receipt, 2 failed, 3 delivered.
_WAITING, _FAILED, _DELIVERED = 1, 2, 3


class AliyunSmsBackend:
    name = "aliyun"

    def __init__(self) -> None:
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        self.client = Client(Config(
            access_key_id=app_settings.NOTIFY_ALIYUN_ACCESS_KEY_ID,
            access_key_secret=app_settings.NOTIFY_ALIYUN_ACCESS_KEY_SECRET,
            endpoint=app_settings.NOTIFY_ALIYUN_ENDPOINT,
            protocol=app_settings.NOTIFY_ALIYUN_PROTOCOL,
        ))

    def _runtime(self) -> Any:
        from darabonba.runtime import RuntimeOptions

        # One attempt per call: the delivery service owns retries and their backoff.
        return RuntimeOptions(autoretry=False, max_attempts=1, connect_timeout=5000,
                              read_timeout=10000)

    def _call(self, method: str, request: Any) -> Any:
        from darabonba.exceptions import DaraException

        try:
            return getattr(self.client, method)(request, self._runtime())
        except DaraException as exc:
            code = str(getattr(exc, "code", "") or "")
            status = getattr(exc, "statusCode", None) or 0
            message = str(getattr(exc, "message", exc))
            if code in TEMPORARY_CODES or int(status or 0) >= 500 or int(status or 0) == 429:
                raise TemporaryFailure(message, code) from exc
            raise PermanentFailure(message, code) from exc
        except (OSError, ConnectionError) as exc:
            raise TemporaryFailure(str(exc), type(exc).__name__) from exc
        except Exception as exc:  # noqa: BLE001 - the SDK wraps network errors its own way
            raise TemporaryFailure(str(exc), type(exc).__name__) from exc

    def send(self, *, phone: str, template_code: str, params: Mapping[str, str],
             sign_name: str) -> SendResult:
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest

        response = self._call("send_sms_with_options", SendSmsRequest(
            phone_numbers=phone, sign_name=sign_name, template_code=template_code,
            template_param=json.dumps(dict(params), ensure_ascii=False)))
        body = response.body
        if body.code != "OK":
            error = TemporaryFailure if body.code in TEMPORARY_CODES else PermanentFailure
            raise error(body.message or "", body.code or "")
        return SendResult(provider_id=body.biz_id or "")

    def receipts(self, rows: Iterable[Any]) -> list[Receipt]:
        """The receipt of each sent row (``provider_id``, ``phone``, ``sent_at``): one
        QuerySendDetails call per message, as the API takes one BizId at a time."""
        from alibabacloud_dysmsapi20170525.models import QuerySendDetailsRequest

        receipts = []
        for row in rows:
            response = self._call("query_send_details_with_options", QuerySendDetailsRequest(
                biz_id=row.provider_id, phone_number=row.phone,
                send_date=f"{timezone.localtime(row.sent_at):%Y%m%d}", page_size=10,
                current_page=1))
            details = response.body.sms_send_detail_dtos
            found = details.sms_send_detail_dto if details else []
            if not found:
                continue
            status = int(found[0].send_status or _WAITING)
            if status == _WAITING:
                continue
            receipts.append(Receipt(provider_id=row.provider_id,
                                    delivered=status == _DELIVERED,
                                    error="" if status == _DELIVERED else found[0].err_code or ""))
        return receipts
