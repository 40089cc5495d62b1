"""The "webhooks.deliver" job: sign one delivery's body and send it to the address that was checked.

Pinning: the request goes through the SSRF guard's transport (targets.transport(), from
forecourt.netguard), which resolves and checks the host and connects to that IP address, with the
original name in the Host header and as the TLS server name (certificates are verified against
it), so a second DNS answer cannot point the request somewhere else.
"""

import hashlib
import hmac
import json
import logging
import time
from datetime import UTC
from typing import NoReturn

import httpx
from django.utils import timezone

from forecourt import netguard
from forecourt.jobs import handler, queue
from forecourt.ops.crypto import DecryptionError
from forecourt.ops.faults import crash_point

from . import targets
from .events import JOB, MAX_ATTEMPTS
from .forms import reserved_header
from .models import Delivery

log = logging.getLogger("forecourt.webhooks")


class DeliveryFailed(Exception):
    """An attempt failed in a way worth retrying (network error, 5xx); the queue retries the job."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def body_of(delivery: Delivery) -> bytes:
    event = delivery.event
    stamp = event.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps({"Event": event.name, "Message": event.message, "Timestamp": stamp,
                       "DeliveryID": str(delivery.delivery_id)}, separators=(",", ":")).encode()


def headers_of(delivery: Delivery, body: bytes, timestamp: str) -> dict[str, str]:
    # Checked when saved too; filtered again so a row written another way cannot override them.
    headers = {str(k): str(v) for k, v in (delivery.endpoint.headers or {}).items() if not reserved_header(str(k))}
    headers.update({
        "Content-Type": "application/json",
        "User-Agent": "Forecourt-Webhooks",
        "X-Forecourt-Delivery": str(delivery.delivery_id),
        "X-Forecourt-Event": delivery.event.name,
        "X-Forecourt-Timestamp": timestamp,
        "X-Forecourt-Signature": sign(delivery.endpoint.secret, timestamp, body),
    })
    return headers


def send(delivery: Delivery) -> tuple[int | None, str, int]:
    """One attempt: (response code or None, error or "", duration in ms). Raises targets.Refused."""
    endpoint = delivery.endpoint
    netguard.split(endpoint.url)  # http(s), a host, no credentials: checked when saved, again for other rows
    body = body_of(delivery)
    timestamp = str(int(time.time()))
    headers = headers_of(delivery, body, timestamp)
    started = time.monotonic()
    try:
        with httpx.Client(timeout=endpoint.timeout, follow_redirects=False, trust_env=False,
                          transport=targets.transport()) as client, \
                client.stream(endpoint.method, endpoint.url, content=body, headers=headers) as response:
            code = response.status_code  # the body is not read: a receiver cannot make us download much
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:1000], int((time.monotonic() - started) * 1000)
    return code, "", int((time.monotonic() - started) * 1000)


@handler(JOB)
def deliver(delivery_id: str) -> None:
    """Send one pending delivery: 2xx succeeds; 4xx or a refused address fails at once; network
    errors and other codes are retried with the queue's backoff until MAX_ATTEMPTS, then fail."""
    deliveries = Delivery.objects.select_related("event", "endpoint").filter(delivery_id=delivery_id)
    try:
        delivery = deliveries.first()
    except DecryptionError as exc:  # the secret key changed: an operator can fix it before the last retry
        delivery = deliveries.defer("endpoint__secret").first()
        if delivery is None or delivery.status != Delivery.Status.PENDING:
            return
        delivery.attempts += 1
        _retry_or_fail(delivery, None, f"cannot sign: the webhook's secret cannot be decrypted ({exc})", None)
    if delivery is None or delivery.status != Delivery.Status.PENDING:
        return  # deleted, or settled by an earlier run whose worker died before recording the job done
    delivery.attempts += 1
    crash_point("webhook-before-send")
    try:
        code, error, duration = send(delivery)
    except targets.Refused as exc:
        _settle(delivery, Delivery.Status.FAILED, None, f"refused: {exc}", None)
        return
    crash_point("webhook-after-send")  # the receiver has it, the portal has not recorded it: sent again
    if code is not None and 200 <= code < 300:
        _settle(delivery, Delivery.Status.SUCCEEDED, code, "", duration)
        return
    if code is not None and 300 <= code < 500:
        _settle(delivery, Delivery.Status.FAILED, code, f"HTTP {code}, not retried", duration)
        return
    _retry_or_fail(delivery, code, error or f"HTTP {code}", duration)


def _retry_or_fail(delivery: Delivery, code: int | None, error: str, duration: int | None) -> NoReturn:
    """Record a failed attempt: pending with the next try's time, or failed after MAX_ATTEMPTS;
    raise so the queue retries the job (its last try is the delivery's last)."""
    final = delivery.attempts >= MAX_ATTEMPTS
    delivery.next_attempt_at = None if final else timezone.now() + queue.backoff(delivery.attempts)
    _settle(delivery, Delivery.Status.FAILED if final else Delivery.Status.PENDING, code, error, duration)
    raise DeliveryFailed(error)


def _settle(delivery: Delivery, status: str, code: int | None, error: str, duration: int | None) -> None:
    delivery.status = status
    delivery.response_code = code
    delivery.error = error
    delivery.duration_ms = duration
    if status != Delivery.Status.PENDING:
        delivery.next_attempt_at = None
    delivery.save()
    fields = {"webhook_delivery": str(delivery.delivery_id), "webhook_event": delivery.event.name,
              "attempts": delivery.attempts}
    if status == Delivery.Status.SUCCEEDED:
        log.info("webhook delivered", extra=fields)
    else:
        log.warning("webhook delivery %s: %s", status, error, extra=fields)
