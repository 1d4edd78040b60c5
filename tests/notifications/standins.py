"""Local stand-ins for the SMS providers and WeCom, started by the tests on 127.0.0.1.

Each checks the request the real SDK (or our WeCom client) sends exactly as the provider
documents it, signature included, and answers in the provider's documented format:

- Aliyun Dysmsapi: V3 signature ACS3-HMAC-SHA256 (help.aliyun.com, "V3版本请求体&签名机制"):
  CanonicalRequest = method, path, canonical query, canonical headers, signed headers and
  the hex SHA-256 of the body; StringToSign = algorithm + hex SHA-256 of it; the signature
  is the hex HMAC-SHA256 of that with the AccessKey secret.
- Tencent Cloud SMS: TC3-HMAC-SHA256 (cloud.tencent.com/document/api/382/52072): the
  canonical request over content-type and host, the credential scope date/service/tc3_request
  and the key derived as HMAC chains from "TC3" + SecretKey.
- WeCom: /cgi-bin/gettoken and /cgi-bin/message/send with errcode answers.

Nothing here is imported by the project's code.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

PORTS = range(8600, 8700)


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8600-8699")


class StandIn:
    """A threaded HTTP server answering with ``self.handle(method, path, query, headers,
    body) -> (status, json)``; every request is recorded in ``self.requests``."""

    content_type = "application/json; charset=utf-8"

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.rejected: list[str] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the providers' servers do

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                record = {"method": self.command, "path": split.path,
                          "query": dict(parse_qsl(split.query, keep_blank_values=True)),
                          "raw_query": split.query, "headers": headers, "body": body}
                stand_in.requests.append(record)
                status, payload = stand_in.handle(record)
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", stand_in.content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *args) -> None:
                pass

        for _attempt in range(5):
            self.port = _free_port()
            try:
                self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
                break
            except OSError:
                continue
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, request: dict) -> tuple[int, dict]:  # pragma: no cover - overridden
        raise NotImplementedError


# --- Aliyun ------------------------------------------------------------------------------------


def _aliyun_encode(value: str) -> str:
    return quote(value, safe="~")


def aliyun_signature_error(request: dict, secrets: dict[str, str]) -> str:
    """Why the request's ACS3-HMAC-SHA256 signature is wrong ("" when it is right)."""
    headers = request["headers"]
    auth = headers.get("authorization", "")
    algorithm, _space, rest = auth.partition(" ")
    if algorithm != "ACS3-HMAC-SHA256":
        return f"algorithm {algorithm!r}"
    parts = dict(item.split("=", 1) for item in rest.split(","))
    access_key = parts.get("Credential", "")
    if access_key not in secrets:
        return "InvalidAccessKeyId.NotFound"
    signed = parts.get("SignedHeaders", "").split(";")
    for required in ("host", "x-acs-action", "x-acs-content-sha256", "x-acs-date",
                     "x-acs-signature-nonce", "x-acs-version"):
        if required not in signed:
            return f"{required} not signed"
    if signed != sorted(signed):
        return "SignedHeaders not sorted"
    payload_hash = hashlib.sha256(request["body"]).hexdigest()
    if headers.get("x-acs-content-sha256") != payload_hash:
        return "x-acs-content-sha256 does not match the body"
    sent = datetime.datetime.strptime(headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.UTC)
    if abs((datetime.datetime.now(datetime.UTC) - sent).total_seconds()) > 900:
        return "x-acs-date too far from now"
    pairs = parse_qsl(request["raw_query"], keep_blank_values=True)
    canonical_query = "&".join(f"{_aliyun_encode(k)}={_aliyun_encode(v)}"
                               for k, v in sorted(pairs))
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed)
    canonical_request = "\n".join([request["method"], request["path"] or "/", canonical_query,
                                   canonical_headers, ";".join(signed), payload_hash])
    string_to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(
        canonical_request.encode()).hexdigest()
    expected = hmac.new(secrets[access_key].encode(), string_to_sign.encode(),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, parts.get("Signature", "")):
        return "SignatureDoesNotMatch"
    return ""


class AliyunSms(StandIn):
    """Dysmsapi 2017-05-25: SendSms and QuerySendDetails.

    ``numbers``: what happens to a number: "delivered" (default), "undelivered" (accepted,
    the receipt says failed), "illegal" (isv.MOBILE_NUMBER_ILLEGAL), "throttled"
    (isv.BUSINESS_LIMIT_CONTROL), "down" (HTTP 503).
    """

    def __init__(self, access_key: str = "LTAI-test",
                 secret: str = "aliyun-secret") -> None:  # noqa: S107 - a test stand-in
        super().__init__()
        self.secrets = {access_key: secret}
        self.numbers: dict[str, str] = {}
        self.sent: list[dict] = []
        self.nonces: set[str] = set()

    def handle(self, request: dict) -> tuple[int, dict]:
        request_id = str(uuid.uuid4()).upper()
        error = aliyun_signature_error(request, self.secrets)
        nonce = request["headers"].get("x-acs-signature-nonce", "")
        if not error and nonce in self.nonces:
            error = "SignatureNonceUsed"
        if error:
            self.rejected.append(error)
            code = error if error.startswith(("Signature", "InvalidAccessKeyId")) \
                else "IncompleteSignature"
            return 400, {"RequestId": request_id, "Code": code, "Message": error,
                         "HostId": "dysmsapi.aliyuncs.com"}
        self.nonces.add(nonce)
        action = request["headers"].get("x-acs-action")
        query = request["query"]
        if request["headers"].get("x-acs-version") != "2017-05-25":
            return 400, {"RequestId": request_id, "Code": "InvalidVersion", "Message": "?"}
        if action == "SendSms":
            phone = query.get("PhoneNumbers", "")
            fate = self.numbers.get(phone, "delivered")
            if fate == "down":
                return 503, {"RequestId": request_id, "Code": "ServiceUnavailable",
                             "Message": "The request has failed due to a temporary failure "
                                        "of the server."}
            if fate == "illegal":
                return 200, {"RequestId": request_id, "Code": "isv.MOBILE_NUMBER_ILLEGAL",
                             "Message": "非法手机号"}
            if fate == "throttled":
                return 200, {"RequestId": request_id, "Code": "isv.BUSINESS_LIMIT_CONTROL",
                             "Message": "触发分钟级流控Permits:1"}
            biz_id = f"{len(self.sent) + 1:06d}^{uuid.uuid4().int % 10**10}"
            self.sent.append({"biz_id": biz_id, "phone": phone,
                              "sign_name": query.get("SignName"),
                              "template_code": query.get("TemplateCode"),
                              "params": json.loads(query.get("TemplateParam") or "{}")})
            return 200, {"RequestId": request_id, "Code": "OK", "Message": "OK",
                         "BizId": biz_id}
        if action == "QuerySendDetails":
            found = [s for s in self.sent if s["biz_id"] == query.get("BizId")
                     and s["phone"] == query.get("PhoneNumber")]
            details = [{"PhoneNum": s["phone"], "TemplateCode": s["template_code"],
                        "SendStatus": 2 if self.numbers.get(s["phone"]) == "undelivered" else 3,
                        "ErrCode": "UNDELIV" if self.numbers.get(s["phone"]) == "undelivered"
                        else "DELIVERED", "Content": "", "OutId": "",
                        "SendDate": "2026-12-06 10:00:00",
                        "ReceiveDate": "2026-12-06 10:00:05"} for s in found]
            return 200, {"RequestId": request_id, "Code": "OK", "Message": "OK",
                         "TotalCount": len(details),
                         "SmsSendDetailDTOs": {"SmsSendDetailDTO": details}}
        return 404, {"RequestId": request_id, "Code": "InvalidAction.NotFound",
                     "Message": f"{action}"}


# --- Tencent -------------------------------------------------------------------------------------


def tencent_signature_error(request: dict, secrets: dict[str, str], service: str = "sms") -> str:
    """Why the request's TC3-HMAC-SHA256 signature is wrong ("" when it is right)."""
    headers = request["headers"]
    auth = headers.get("authorization", "")
    algorithm, _space, rest = auth.partition(" ")
    if algorithm != "TC3-HMAC-SHA256":
        return f"algorithm {algorithm!r}"
    parts = dict(item.strip().split("=", 1) for item in rest.split(","))
    secret_id, date, scope_service, terminator = parts.get("Credential", "////").split("/")
    if secret_id not in secrets:
        return "AuthFailure.SecretIdNotFound"
    if scope_service != service or terminator != "tc3_request":
        return "AuthFailure.InvalidAuthorization"
    timestamp = int(headers.get("x-tc-timestamp", "0"))
    now = datetime.datetime.now(datetime.UTC)
    if abs(now.timestamp() - timestamp) > 300:
        return "AuthFailure.SignatureExpire"
    if datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d") != date:
        return "AuthFailure.InvalidAuthorization"
    signed = parts.get("SignedHeaders", "").split(";")
    if "content-type" not in signed or "host" not in signed:
        return "AuthFailure.InvalidAuthorization"
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip().lower()}\n"
                                for name in signed)
    canonical_request = "\n".join([
        request["method"], request["path"] or "/", request["raw_query"], canonical_headers,
        ";".join(signed), hashlib.sha256(request["body"]).hexdigest()])
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope,
                                hashlib.sha256(canonical_request.encode()).hexdigest()])

    def sign(key: bytes, message: str) -> bytes:
        return hmac.new(key, message.encode(), hashlib.sha256).digest()

    key = sign(sign(sign(("TC3" + secrets[secret_id]).encode(), date), service), "tc3_request")
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, parts.get("Signature", "")):
        return "AuthFailure.SignatureFailure"
    return ""


class TencentSms(StandIn):
    """SMS 2021-01-11: SendSms and PullSmsSendStatus (``numbers`` as for AliyunSms, with
    "illegal" answering InvalidParameterValue.IncorrectPhoneNumber and "throttled"
    LimitExceeded.PhoneNumberThirtySecondLimit)."""

    content_type = "application/json"  # exactly as Tencent Cloud's API answers

    def __init__(self, secret_id: str = "AKID-test",  # noqa: S107 - a test stand-in
                 secret_key: str = "tencent-key", app_id: str = "1400000001") -> None:  # noqa: S107
        super().__init__()
        self.secrets = {secret_id: secret_key}
        self.app_id = app_id
        self.numbers: dict[str, str] = {}
        self.sent: list[dict] = []
        self.pulled: set[str] = set()

    def handle(self, request: dict) -> tuple[int, dict]:
        request_id = str(uuid.uuid4())
        error = tencent_signature_error(request, self.secrets)
        headers = request["headers"]
        if error:
            self.rejected.append(error)
            return 200, {"Response": {"Error": {"Code": error, "Message": error},
                                      "RequestId": request_id}}
        if headers.get("x-tc-version") != "2021-01-11":
            return 200, {"Response": {"Error": {"Code": "InvalidParameter",
                                                "Message": "version"},
                                      "RequestId": request_id}}
        body = json.loads(request["body"] or b"{}")
        action = headers.get("x-tc-action")
        if body.get("SmsSdkAppId") != self.app_id:
            return 200, {"Response": {"Error": {"Code": "FailedOperation.SmsSdkAppIdVerifyFail",
                                                "Message": "app id"}, "RequestId": request_id}}
        if action == "SendSms":
            statuses = []
            for number in body.get("PhoneNumberSet", []):
                fate = self.numbers.get(number, "delivered")
                serial = f"2433:{uuid.uuid4().int % 10**20}"
                if fate == "illegal":
                    code, message = ("InvalidParameterValue.IncorrectPhoneNumber",
                                     "invalid mobile number")
                elif fate == "throttled":
                    code, message = ("LimitExceeded.PhoneNumberThirtySecondLimit",
                                     "the number of sms messages sent in 30 seconds exceeds")
                else:
                    code, message = "Ok", "send success"
                    self.sent.append({"serial": serial, "phone": number,
                                      "sign_name": body.get("SignName"),
                                      "template_id": body.get("TemplateId"),
                                      "params": body.get("TemplateParamSet", [])})
                statuses.append({"SerialNo": serial if code == "Ok" else "", "PhoneNumber":
                                 number, "Fee": 1 if code == "Ok" else 0, "SessionContext": "",
                                 "Code": code, "Message": message, "IsoCode": "CN"})
            return 200, {"Response": {"SendStatusSet": statuses, "RequestId": request_id}}
        if action == "PullSmsSendStatus":
            limit = int(body.get("Limit", 100))
            items = []
            for sent in self.sent:
                if sent["serial"] in self.pulled or len(items) >= limit:
                    continue
                self.pulled.add(sent["serial"])
                ok = self.numbers.get(sent["phone"]) != "undelivered"
                items.append({"UserReceiveTime": "2026-12-06 10:00:05",
                              "UserReceiveUnixTime": 1796522405, "CountryCode": "86",
                              "SubscriberNumber": sent["phone"][3:],
                              "PhoneNumber": sent["phone"], "SerialNo": sent["serial"],
                              "ReportStatus": "SUCCESS" if ok else "FAIL",
                              "Description": "用户短信送达成功" if ok else "用户关机",
                              "SessionContext": ""})
            return 200, {"Response": {"PullSmsSendStatusSet": items,
                                      "RequestId": request_id}}
        return 200, {"Response": {"Error": {"Code": "InvalidAction", "Message": action},
                                  "RequestId": request_id}}


# --- WeCom ---------------------------------------------------------------------------------------


class Wecom(StandIn):
    """gettoken and message/send; ``members`` are the known user ids; ``expire()`` makes
    the issued tokens expired (42001)."""

    def __init__(self, corp_id: str = "ww-test",  # noqa: S107 - a test stand-in
                 secret: str = "wecom-secret",  # noqa: S107
                 agent_id: int = 1000002, members: set[str] | None = None) -> None:
        super().__init__()
        self.corp_id, self.secret, self.agent_id = corp_id, secret, agent_id
        self.members = set(members or ())
        self.tokens: set[str] = set()
        self.messages: list[dict] = []
        self.busy = 0

    def expire(self) -> None:
        self.tokens.clear()

    def handle(self, request: dict) -> tuple[int, dict]:
        query = request["query"]
        if request["path"] == "/cgi-bin/gettoken" and request["method"] == "GET":
            if query.get("corpid") != self.corp_id or query.get("corpsecret") != self.secret:
                self.rejected.append("credential")
                return 200, {"errcode": 40001, "errmsg": "invalid credential"}
            token = uuid.uuid4().hex
            self.tokens.add(token)
            return 200, {"errcode": 0, "errmsg": "ok", "access_token": token,
                         "expires_in": 7200}
        if request["path"] == "/cgi-bin/message/send" and request["method"] == "POST":
            if query.get("access_token") not in self.tokens:
                return 200, {"errcode": 42001, "errmsg": "access_token expired"}
            if self.busy:
                self.busy -= 1
                return 200, {"errcode": -1, "errmsg": "system busy"}
            body = json.loads(request["body"])
            if body.get("agentid") != self.agent_id or body.get("msgtype") != "text":
                return 200, {"errcode": 40056, "errmsg": "invalid agentid"}
            users = body.get("touser", "").split("|")
            known = [u for u in users if u in self.members]
            if not known:
                return 200, {"errcode": 81013, "errmsg": "user & party & tag all invalid"}
            msgid = uuid.uuid4().hex
            self.messages.append({"touser": body["touser"], "text": body["text"]["content"],
                                  "msgid": msgid})
            invalid = "|".join(u for u in users if u not in self.members)
            return 200, {"errcode": 0, "errmsg": "ok", "invaliduser": invalid, "msgid": msgid}
        return 404, {"errcode": 404, "errmsg": "not found"}
