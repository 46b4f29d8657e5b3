"""The channels a post is told on (an adapter: the adapters that reach AWS are listed in `core`): SMS
through SNS straight to the number (no subscription, so a number changed in the directory is used at
once), e-mail through SES, and the signed record by HTTPS POST with retries and backoff."""

from __future__ import annotations

import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

import boto3

HTTPS_TIMEOUT_SECONDS = 5.0
HTTPS_ATTEMPTS = 3  # within one delivery; SQS then tries the whole delivery again, up to its receive count
BACKOFF_SECONDS = (0.5, 2.0)  # before the 2nd and 3rd attempt, each with up to 50 % jitter
USER_AGENT = "Respon112-Dispatch/1"


class DeliveryFailed(RuntimeError):
    """A channel gave up: the delivery is retried by its queue, then kept in its dead-letter queue."""


class AwsChannels:
    def __init__(
        self,
        email_from: str | None,
        sns: Any = None,
        ses: Any = None,
        plain_http_localhost: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        opener: Callable[..., Any] = urllib.request.urlopen,
    ) -> None:
        self._from = email_from
        self._sns = sns or boto3.client("sns")
        self._ses = ses or boto3.client("ses")
        self._plain_localhost = plain_http_localhost
        self._sleep = sleep
        self._open = opener

    def sms(self, number: str, text: str) -> str:
        response = self._sns.publish(
            PhoneNumber=number,
            Message=text,
            MessageAttributes={
                # Transactional: delivered ahead of promotional traffic, and retried by the carrier.
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
                "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": "RESPON112"},
            },
        )
        return str(response["MessageId"])

    def email(self, address: str, subject: str, text: str) -> str:
        if not self._from:
            raise DeliveryFailed("no sender address for e-mail (agencyEmailFrom)")
        response = self._ses.send_email(
            Source=self._from,
            Destination={"ToAddresses": [address]},
            Message={
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
            },
        )
        return str(response["MessageId"])

    def target(self, url: str) -> str:
        """Where the POST really goes: the URL, or, on the local stack only, a `.localhost` endpoint over
        plain HTTP on the loopback (python -m local receiver)."""
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        if self._plain_localhost and (host == "localhost" or host.endswith(".localhost")):
            return urllib.parse.urlunsplit(
                ("http", f"127.0.0.1:{parts.port or 80}", parts.path, parts.query, "")
            )
        return url

    def https(self, url: str, body: bytes, headers: dict[str, str]) -> str:
        target = self.target(url)
        problem = ""
        for attempt in range(HTTPS_ATTEMPTS):
            if attempt:
                pause = BACKOFF_SECONDS[attempt - 1]
                self._sleep(pause * (1 + random.random() / 2))  # noqa: S311 (jitter, not a secret)
            request = urllib.request.Request(  # noqa: S310 (the scheme is https, or http to the loopback)
                target,
                data=body,
                method="POST",
                headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
            )
            try:
                with self._open(request, timeout=HTTPS_TIMEOUT_SECONDS) as response:
                    status = int(response.status)
                    if 200 <= status < 300:
                        return f"https:{status}"
                    problem = f"HTTP {status}"
            except urllib.error.HTTPError as error:
                problem = f"HTTP {error.code}"
            except (urllib.error.URLError, TimeoutError, OSError) as error:
                problem = type(error).__name__
        raise DeliveryFailed(
            f"{urllib.parse.urlsplit(url).hostname}: {problem} after {HTTPS_ATTEMPTS} attempts"
        )
