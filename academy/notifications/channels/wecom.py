"""WeCom (企业微信) application messages through a small client of its own over requests.

Two calls of WeCom's server API: ``GET /cgi-bin/gettoken?corpid=&corpsecret=`` (an access
token valid ``expires_in`` seconds, kept in the cache and shared by every worker) and
``POST /cgi-bin/message/send?access_token=`` (a text message to one member, by their WeCom
user id). ``errcode`` 0 means accepted; an expired or invalid token (40014, 42001) fetches a
new one once; an unknown member comes back in ``invaliduser`` and fails for good.
Settings: ``ACADEMY_NOTIFY_WECOM_CORP_ID``, ``..._SECRET``, ``..._AGENT_ID`` and
``..._BASE_URL`` (``https://qyapi.weixin.qq.com``).
"""

from __future__ import annotations

from typing import Any

import requests
from django.core.cache import cache

from ..conf import app_settings
from .base import PermanentFailure, SendResult, TemporaryFailure

TOKEN_ERRORS = frozenset({40014, 42001, 41001})
#: System busy, frequency limits: try again later.
TEMPORARY_ERRORS = frozenset({-1, 45009, 45033, 45011})


class WecomClient:
    """gettoken and message/send; raises TemporaryFailure or PermanentFailure."""

    def __init__(self, *, base_url: str, corp_id: str, secret: str, agent_id: int | str,
                 timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.corp_id = corp_id
        self.secret = secret
        self.agent_id = int(agent_id or 0)
        self.timeout = timeout
        self.session = requests.Session()
        self.cache_key = f"notifications:wecom-token:{corp_id}:{self.agent_id}"

    def _get_json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.session.request(method, f"{self.base_url}{path}",
                                            timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise TemporaryFailure(str(exc), type(exc).__name__) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TemporaryFailure(f"HTTP {response.status_code}", str(response.status_code))
        try:
            return response.json()
        except ValueError as exc:
            raise TemporaryFailure(f"not JSON (HTTP {response.status_code})") from exc

    def token(self, *, fresh: bool = False) -> str:
        if not fresh:
            token = cache.get(self.cache_key)
            if token:
                return token
        data = self._get_json("GET", "/cgi-bin/gettoken",
                              params={"corpid": self.corp_id, "corpsecret": self.secret})
        if data.get("errcode", 0) != 0:
            error = TemporaryFailure if data.get("errcode") in TEMPORARY_ERRORS \
                else PermanentFailure
            raise error(str(data.get("errmsg", "")), str(data.get("errcode")))
        token = data["access_token"]
        # Refreshed a little before WeCom expires it.
        cache.set(self.cache_key, token, max(int(data.get("expires_in", 7200)) - 300, 60))
        return token

    def send_text(self, *, userid: str, text: str) -> dict[str, Any]:
        payload = {"touser": userid, "msgtype": "text", "agentid": self.agent_id,
                   "text": {"content": text}, "safe": 0}
        for fresh in (False, True):
            data = self._get_json("POST", "/cgi-bin/message/send",
                                  params={"access_token": self.token(fresh=fresh)},
                                  json=payload)
            code = data.get("errcode", 0)
            if code in TOKEN_ERRORS and not fresh:
                continue
            if code != 0:
                error = TemporaryFailure if code in TEMPORARY_ERRORS else PermanentFailure
                raise error(str(data.get("errmsg", "")), str(code))
            if data.get("invaliduser"):
                raise PermanentFailure(f"unknown member {data['invaliduser']}", "invaliduser")
            return data
        raise TemporaryFailure("access token refused twice")  # pragma: no cover


class WecomBackend:
    name = "wecom"

    def __init__(self) -> None:
        self.client = WecomClient(
            base_url=app_settings.NOTIFY_WECOM_BASE_URL,
            corp_id=app_settings.NOTIFY_WECOM_CORP_ID,
            secret=app_settings.NOTIFY_WECOM_SECRET,
            agent_id=app_settings.NOTIFY_WECOM_AGENT_ID,
        )

    def send(self, *, userid: str, text: str) -> SendResult:
        data = self.client.send_text(userid=userid, text=text)
        return SendResult(provider_id=str(data.get("msgid", "")))
