"""B22: the outside channels. Each sends one outbox message or raises; notify.jobs retries with backoff,
falls back to the next channel and logs every attempt.

- SMS: the unit's HTTP gateway, POST JSON {"mobile", "content", "template", "msgid"}; any 2xx is accepted.
- WeCom group robot: POST {"msgtype": "text", ...} to its webhook; errcode 0 is accepted.
- Every HTTP delivery carries the message's idempotency key, as `msgid` in the JSON and as the
  Idempotency-Key header, the same on every retry; an email carries it in its Message-ID.
- DingTalk group robot: the same, with the webhook signed (HMAC-SHA256 of "timestamp\\nsecret", base64,
  URL-encoded, as DingTalk documents it) and at most ROBOT_PER_MINUTE messages a minute per robot:
  waiting messages for one robot are sent together as one, and beyond the limit they wait their turn.
Standard library only (urllib): nothing more to install on an intranet server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

TIMEOUT = 10  # seconds for a gateway or robot to answer
ROBOT_PER_MINUTE = 20  # DingTalk's limit per robot


class ChannelError(Exception):
    pass


def post_json(url: str, payload: dict, key: str = "") -> dict:
    data = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if key:
        headers["Idempotency-Key"] = key
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):  # never file:, ftp: or the like
        raise ChannelError("网关地址须以 http:// 或 https:// 开头")
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - http(s) only, above
            body = response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        raise ChannelError(f"对方返回错误（HTTP {error.code}）") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise ChannelError(f"无法连接：{error}") from None
    try:
        return json.loads(body) if body.strip() else {}
    except ValueError:
        return {}


def dingtalk_signed(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    if not secret:
        return url
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp}&sign={sign}"


def send_sms(url: str, mobile: str, text: str, template: str = "", key: str = "") -> None:
    post_json(url, {"mobile": mobile, "content": text, "template": template, "msgid": key}, key)


def send_robot(channel: str, url: str, text: str, secret: str = "", key: str = "") -> None:
    target = dingtalk_signed(url, secret) if channel == "dingtalk" else url
    answer = post_json(target, {"msgtype": "text", "text": {"content": text}, "msgid": key}, key)
    if answer.get("errcode", 0) != 0:
        raise ChannelError(f"机器人返回错误 {answer.get('errcode')}：{answer.get('errmsg', '')}")


def send_email(recipient: str, subject: str, body: str, key: str = "") -> None:
    headers = {"Message-ID": f"<{key}@zhiban>"} if key else None
    with get_connection(timeout=settings.EMAIL_TIMEOUT) as connection:
        EmailMessage(
            subject, body, settings.DEFAULT_FROM_EMAIL, [recipient], connection=connection, headers=headers
        ).send()
