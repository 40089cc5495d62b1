"""Throttles against guessing and flooding: sign-in failures, password-reset and sign-up requests.

A rule counts events per key (an e-mail address or a client address) in a window; the event
that reaches the limit locks the key for a while. Counts live in the database (the Throttle
model), so every web process and replica shares them. Keys are digests: the table never holds
an address in clear.

Keys that do not belong to any account are counted exactly like those that do, so a lock says
nothing about whether an address is registered.
"""

import hashlib
import ipaddress
import math
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from .models import Throttle

STALE_AFTER = timedelta(days=1)  # rows untouched this long are deleted


@dataclass(frozen=True)
class Rule:
    scope: str
    limit: int  # events in `window` that lock the key
    window: timedelta
    lock: timedelta


SIGN_IN_ACCOUNT = Rule("sign-in-account", 5, timedelta(minutes=15), timedelta(minutes=15))
SIGN_IN_CLIENT = Rule("sign-in-client", 30, timedelta(minutes=15), timedelta(minutes=15))
RESET_ACCOUNT = Rule("reset-account", 3, timedelta(hours=1), timedelta(hours=1))
RESET_CLIENT = Rule("reset-client", 20, timedelta(hours=1), timedelta(hours=1))
SIGN_UP_CLIENT = Rule("sign-up-client", 10, timedelta(hours=1), timedelta(hours=1))
SIGN_UP_ACCOUNT = Rule("sign-up-account", 3, timedelta(hours=1), timedelta(hours=1))
INVITES = Rule("invites", 30, timedelta(hours=1), timedelta(hours=1))


def key(rule: Rule, value: str) -> str:
    return f"{rule.scope}:{hashlib.sha256(value.strip().lower().encode()).hexdigest()}"


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    from django.conf import settings

    return any(address in ipaddress.ip_network(net) for net in getattr(settings, "TRUSTED_PROXIES", ()))


def _peer(request: HttpRequest) -> str:
    """The address the request came from: REMOTE_ADDR, or, when that is a trusted proxy
    (`TrustedProxies`), the right-most address of X-Forwarded-For that is not a trusted proxy
    (addresses left of it were written by the client and prove nothing)."""
    raw = request.META.get("REMOTE_ADDR") or ""
    try:
        if not _trusted(ipaddress.ip_address(raw)):
            return raw
    except ValueError:
        return raw
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            address = ipaddress.ip_address(hop)
        except ValueError:
            return hop  # garbage from beyond the proxies: counted as one client of its own
        if not _trusted(address):
            return hop
    return raw


def client_address(request: HttpRequest) -> str:
    """The client's address as the throttles count it: IPv4 as is, IPv6 by its /64 network
    (one subscriber's share); behind trusted proxies, the address they forwarded for."""
    raw = _peer(request)
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:100] or "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def retry_after(*checks: tuple[Rule, str]) -> int:
    """Seconds until every (rule, value) given is unlocked; 0 when none is locked."""
    now = timezone.now()
    until = Throttle.objects.filter(key__in=[key(rule, value) for rule, value in checks],
                                    locked_until__gt=now).aggregate(until=Max("locked_until"))["until"]
    return 0 if until is None else max(1, math.ceil((until - now).total_seconds()))


def hit(rule: Rule, value: str) -> bool:
    """Count one event for `value`; True if it reached the limit and locked the key."""
    now = timezone.now()
    name = key(rule, value)
    with transaction.atomic():
        row = Throttle.objects.select_for_update().filter(key=name).first()
        if row is None:
            try:
                with transaction.atomic():
                    row = Throttle.objects.create(key=name, count=0, window_started_at=now)
            except IntegrityError:  # another process counted the first event at the same moment
                row = Throttle.objects.select_for_update().get(key=name)
        if row.window_started_at <= now - rule.window:
            row.count, row.window_started_at = 0, now
        row.count += 1
        locked = row.count >= rule.limit
        if locked:  # after the lock, a fresh window
            row.count, row.window_started_at, row.locked_until = 0, now, now + rule.lock
        row.save()
    Throttle.objects.filter(updated_at__lt=now - STALE_AFTER).delete()
    return locked


def clear(rule: Rule, value: str) -> None:
    """Forget the events of `value` (after a successful sign-in, say)."""
    Throttle.objects.filter(key=key(rule, value)).delete()


@dataclass(frozen=True)
class SignIn:
    """One attempt to sign in, counted against its address (SIGN_IN_ACCOUNT) and its client
    (SIGN_IN_CLIENT). The Live Portal's and the Admin Portal's sign-in pages both count through
    this, with the same keys, so failures on either page count together."""

    address: str
    client: str

    @classmethod
    def of(cls, request: HttpRequest, address: str) -> "SignIn":
        return cls(address, client_address(request))

    def _checks(self) -> tuple[tuple[Rule, str], tuple[Rule, str]]:
        return (SIGN_IN_ACCOUNT, self.address), (SIGN_IN_CLIENT, self.client)

    def retry_after(self) -> int:
        """Seconds until this address and client may try again; 0 when neither is locked.
        While locked, even the right password is not checked."""
        return retry_after(*self._checks())

    def failed(self) -> int:
        """Count a failure against both; the seconds to wait if that locked either, else 0."""
        locked = hit(SIGN_IN_CLIENT, self.client)
        locked = hit(SIGN_IN_ACCOUNT, self.address) or locked
        return self.retry_after() if locked else 0

    def succeeded(self) -> None:
        """Forget the address's failures (the client's stay counted)."""
        clear(SIGN_IN_ACCOUNT, self.address)


def sign_in_locked(seconds: int) -> str:
    """What a locked sign-in says, the same whether or not the address has an account."""
    return (f"Too many failed attempts to sign in. Wait {minutes(seconds)} and try again, "
            "or choose a new password with “Forgotten your password?”.")


def minutes(seconds: int) -> str:
    """'1 minute', '15 minutes': a lock's remaining time for a message."""
    count = max(1, math.ceil(seconds / 60))
    return f"{count} minute{'s' if count != 1 else ''}"
