"""Tencent Cloud SMS (短信, API 2021-01-11) through Tencent Cloud's own SDK.

``SendSms`` sends one template to one number (TC3-HMAC-SHA256 signed by the SDK);
``PullSmsSendStatus`` pulls the delivery receipts not pulled before. Settings:
``ACADEMY_NOTIFY_TENCENT_SECRET_ID``, ``..._SECRET_KEY``, ``..._SMS_APP_ID``,
``..._REGION`` (``ap-guangzhou``), ``..._ENDPOINT`` (``sms.tencentcloudapi.com``) and
``..._PROTOCOL`` (``https``). Tencent's templates take positional parameters: the template
mapping's variables are sent in the order they are listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..conf import app_settings
from .base import PermanentFailure, Receipt, SendResult, TemporaryFailure

TEMPORARY_PREFIXES = ("InternalError", "RequestLimitExceeded", "LimitExceeded",
                      "ResourceUnavailable", "FailedOperation.InsufficientBalanceInSmsPackage")


def _number(phone: str) -> str:
    return phone if phone.startswith("+") else f"+86{phone}"


class TencentSmsBackend:
    name = "tencent"

    def __init__(self) -> None:
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        http = HttpProfile(protocol=app_settings.NOTIFY_TENCENT_PROTOCOL,
                           endpoint=app_settings.NOTIFY_TENCENT_ENDPOINT, reqTimeout=10,
                           keepAlive=True)  # one connection for a worker's many messages
        self.client = sms_client.SmsClient(
            credential.Credential(app_settings.NOTIFY_TENCENT_SECRET_ID,
                                  app_settings.NOTIFY_TENCENT_SECRET_KEY),
            app_settings.NOTIFY_TENCENT_REGION,
            ClientProfile(signMethod="TC3-HMAC-SHA256", httpProfile=http))
        self.app_id = app_settings.NOTIFY_TENCENT_SMS_APP_ID

    def _call(self, method: str, request: Any) -> Any:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )

        try:
            return getattr(self.client, method)(request)
        except TencentCloudSDKException as exc:
            code = str(exc.get_code() or "")
            message = str(exc.get_message() or "")
            if code.startswith(TEMPORARY_PREFIXES) or code in {"ClientNetworkError",
                                                                 "ServerNetworkError"}:
                raise TemporaryFailure(message, code) from exc
            raise PermanentFailure(message, code) from exc
        except OSError as exc:
            raise TemporaryFailure(str(exc), type(exc).__name__) from exc

    def send(self, *, phone: str, template_code: str, params: Mapping[str, str],
             sign_name: str) -> SendResult:
        from tencentcloud.sms.v20210111 import models

        request = models.SendSmsRequest()
        request.SmsSdkAppId = self.app_id
        request.SignName = sign_name
        request.TemplateId = template_code
        request.TemplateParamSet = [str(v) for v in params.values()]
        request.PhoneNumberSet = [_number(phone)]
        response = self._call("SendSms", request)
        status = (response.SendStatusSet or [None])[0]
        if status is None:
            raise TemporaryFailure("no send status in the response")
        if status.Code != "Ok":
            code = status.Code or ""
            error = TemporaryFailure if code.startswith(TEMPORARY_PREFIXES) else PermanentFailure
            raise error(status.Message or "", code)
        return SendResult(provider_id=status.SerialNo or "")

    def receipts(self, rows: Iterable[Any]) -> list[Receipt]:
        """The receipts Tencent holds for this application (each is pulled once), filtered
        to ``rows``' serial numbers."""
        from tencentcloud.sms.v20210111 import models

        wanted = {row.provider_id for row in rows}
        receipts = []
        while True:
            request = models.PullSmsSendStatusRequest()
            request.Limit = 100
            request.SmsSdkAppId = self.app_id
            pulled = self._call("PullSmsSendStatus", request).PullSmsSendStatusSet or []
            for item in pulled:
                if item.SerialNo in wanted:
                    delivered = item.ReportStatus == "SUCCESS"
                    receipts.append(Receipt(provider_id=item.SerialNo, delivered=delivered,
                                            error="" if delivered else
                                            f"{item.Description or ''}".strip()))
            if len(pulled) < 100:
                return receipts
