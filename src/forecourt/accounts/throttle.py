"""Throttles against guessing and flooding: sign-in failures, wrong invite codes, password-reset
and sign-up requests, invitations.

A rule counts events per key (an e-mail address, a client address, an invite code's prefix) in
a window; the event that reaches the limit locks the key for a while. Counts live in the database
(the Throttle model), so every web process and replica shares them. Keys are digests: the table
never holds an address in clear.

Checking and counting are one step, so concurrent requests cannot all slip through a check made
before any of them was counted: an attempt first takes a place in each key's count with one
conditional UPDATE (`count < limit` and not locked), which the database serialises per row on
SQLite, PostgreSQL and MariaDB alike; only an attempt that got its places may check a password or
a code. A wrong guess keeps its places (and locks a key that is full); a right one gives them
back (`Attempt`). So at most `limit` guesses per key are ever checked, however many arrive at once.

Keys that do not belong to any account are counted exactly like those that do, so a lock says
nothing about whether an address is registered.
"""

import hashlib
import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone

from .models import Throttle

STALE_AFTER = timedelta(days=1)  # rows untouched this long are deleted
FORGET_EVERY = timedelta(minutes=1)


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
# Second-factor codes at sign-in (accounts.mfa), counted like passwords: per user and per client.
MFA_ACCOUNT = Rule("mfa-account", 5, timedelta(minutes=15), timedelta(minutes=15))
MFA_CLIENT = Rule("mfa-client", 30, timedelta(minutes=15), timedelta(minutes=15))
INVITES = Rule("invites", 30, timedelta(hours=1), timedelta(hours=1))
# Wrong invite codes. Codes are 16 random characters (96 bits), so guessing one is hopeless anyway;
# these stop a client from hammering the form, and many clients from completing a code of which
# they know the beginning (read over a shoulder, cut off in a log). An attacker who does not know
# a code's beginning cannot lock it.
INVITE_CODE_CLIENT = Rule("invite-code-client", 10, timedelta(hours=1), timedelta(hours=1))
INVITE_CODE_PREFIX = Rule("invite-code-prefix", 5, timedelta(hours=1), timedelta(hours=1))
INVITE_CODE_PREFIX_LENGTH = 4

_RULES = {rule.scope: rule for rule in (SIGN_IN_ACCOUNT, SIGN_IN_CLIENT, RESET_ACCOUNT, RESET_CLIENT, SIGN_UP_CLIENT,
                                        SIGN_UP_ACCOUNT, INVITES, INVITE_CODE_CLIENT, INVITE_CODE_PREFIX,
                                        MFA_ACCOUNT, MFA_CLIENT)}

Check = tuple[Rule, str]


def key(rule: Rule, value: str) -> str:
    # surrogatepass: whatever a client sent gets a key (text that cannot be stored is refused elsewhere).
    return f"{rule.scope}:{hashlib.sha256(value.strip().lower().encode('utf-8', 'surrogatepass')).hexdigest()}"


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(address in ipaddress.ip_network(net) for net in getattr(settings, "TRUSTED_PROXIES", ()))


def _peer(request: HttpRequest) -> str:
    """The address the request came from: REMOTE_ADDR, or, when that is a trusted proxy
    (`TrustedProxies`), the right-most address of X-Forwarded-For that is not a trusted proxy
    (addresses left of it were written by the client and prove nothing)."""
    raw: str = request.META.get("REMOTE_ADDR") or ""
    try:
        if not _trusted(ipaddress.ip_address(raw)):
            return raw
    except ValueError:
        return raw
    hops: list[str] = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
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


# --- the atomic steps: each one statement that the database serialises per row ---------------

def _unlocked(now: datetime) -> Q:
    return Q(locked_until__isnull=True) | Q(locked_until__lte=now)


def _reserve(rule: Rule, name: str, now: datetime) -> bool:
    """Take one place in the key's count if it is neither locked nor full; False if it is."""
    rows = Throttle.objects.filter(key=name)
    # A window that has passed starts again. Only the first of concurrent resets matches.
    rows.filter(_unlocked(now), window_started_at__lte=now - rule.window).update(
        count=0, window_started_at=now, updated_at=now)
    take = rows.filter(_unlocked(now), count__lt=rule.limit)
    if take.update(count=F("count") + 1, updated_at=now):
        return True
    # No row yet: make one (INSERT ... ON CONFLICT DO NOTHING / INSERT IGNORE, so that concurrent
    # first attempts do not fail) and take the place through the conditional UPDATE like everyone.
    Throttle.objects.bulk_create([Throttle(key=name, count=0, window_started_at=now)], ignore_conflicts=True)
    return bool(take.update(count=F("count") + 1, updated_at=now))


def _lock_if_full(rule: Rule, name: str, now: datetime) -> None:
    """Lock the key if its count has reached the limit; after the lock, a fresh window."""
    Throttle.objects.filter(_unlocked(now), key=name, count__gte=rule.limit).update(
        count=0, window_started_at=now, locked_until=now + rule.lock, updated_at=now)


def _give_back(name: str) -> None:
    Throttle.objects.filter(key=name, count__gt=0).update(count=F("count") - 1)


_forgot_at: datetime | None = None  # this process's last clean-up


def _forget_stale(now: datetime) -> None:
    """Delete rows untouched for STALE_AFTER, at most once a minute per process: a write of its own,
    which on SQLite took the database's only write lock on every counted sign-up or sign-in."""
    global _forgot_at
    if _forgot_at is not None and timedelta(0) <= now - _forgot_at < FORGET_EVERY:
        return
    _forgot_at = now
    Throttle.objects.filter(updated_at__lt=now - STALE_AFTER).delete()


def retry_after(*checks: Check) -> int:
    """Seconds until every (rule, value) given may count again; 0 when none is locked or full."""
    now = timezone.now()
    wait = 0.0
    names = {key(rule, value): rule for rule, value in checks}
    for row in Throttle.objects.filter(key__in=names):
        rule = names[row.key]
        if row.locked_until is not None and row.locked_until > now:
            wait = max(wait, (row.locked_until - now).total_seconds())
        elif row.count >= rule.limit and row.window_started_at > now - rule.window:
            # Full of attempts still being checked: free when they are given back or the window ends.
            wait = max(wait, (row.window_started_at + rule.window - now).total_seconds())
    return 0 if wait <= 0 else max(1, math.ceil(wait))


class Attempt:
    """One attempt counted against several keys at once (e.g. an address and a client).

    `begin()` takes a place in every key before anything is checked, or none if one of them is
    locked or full. Then `keep()` (a wrong guess, or an event that counts: the places stay, and a
    key that is full is locked) or `release()` (a right guess, or nothing was checked: the places
    are given back).
    """

    def __init__(self, *checks: Check) -> None:
        self.checks = checks
        self._names = [key(rule, value) for rule, value in checks]

    def begin(self) -> int:
        """0 if the attempt may go ahead (its places are taken), else the seconds to wait."""
        now = timezone.now()
        taken: list[str] = []
        for (rule, _), name in zip(self.checks, self._names, strict=True):
            if not _reserve(rule, name, now):
                for done in taken:
                    _give_back(done)
                return retry_after(*self.checks) or 1
            taken.append(name)
        return 0

    def keep(self) -> int:
        """The attempt stays counted; keys that reached their limit are locked. Returns the
        seconds to wait if one of the keys is locked now, else 0."""
        now = timezone.now()
        for (rule, _), name in zip(self.checks, self._names, strict=True):
            _lock_if_full(rule, name, now)
        _forget_stale(now)
        return retry_after(*self.checks)

    def release(self) -> None:
        for name in self._names:
            _give_back(name)

    def take(self) -> bool:
        """Count an event that is not a guess (an e-mail sent, say): True if it was allowed."""
        if self.begin():
            return False
        self.keep()
        return True


def hit(rule: Rule, value: str) -> bool:
    """Count one event for `value`; True if the key is locked (by this event or before)."""
    return not Attempt((rule, value)).take() or bool(retry_after((rule, value)))


def clear(rule: Rule, value: str) -> None:
    """Forget the events of `value` (after a successful sign-in, say)."""
    Throttle.objects.filter(key=key(rule, value)).delete()


class SignIn(Attempt):
    """One attempt to sign in, counted against its address (SIGN_IN_ACCOUNT) and its client
    (SIGN_IN_CLIENT). The Live Portal's and the Admin Portal's sign-in pages both count through
    this, with the same keys, so failures on either page count together.

    `begin()` before the password is checked (while a key is locked, even the right password is
    not checked); then `failed()` or `succeeded()`.
    """

    def __init__(self, address: str, client: str) -> None:
        super().__init__((SIGN_IN_ACCOUNT, address), (SIGN_IN_CLIENT, client))
        self.address, self.client = address, client

    @classmethod
    def of(cls, request: HttpRequest, address: str) -> "SignIn":
        return cls(address, client_address(request))

    def failed(self) -> int:
        """The password was wrong: it stays counted. The seconds to wait if that locked a key, else 0."""
        return self.keep()

    def succeeded(self) -> None:
        """Forget the address's failures; the client's place is given back (its failures stay counted)."""
        clear(SIGN_IN_ACCOUNT, self.address)
        _give_back(key(SIGN_IN_CLIENT, self.client))


class InviteCodeGuess(Attempt):
    """A sign-up's invite code, counted like a password against the client (INVITE_CODE_CLIENT) and
    the code's first characters (INVITE_CODE_PREFIX) before it is looked up: a wrong code stays
    counted (`keep()`), a usable one is given back (`release()`)."""

    def __init__(self, code: str, client: str) -> None:
        super().__init__((INVITE_CODE_CLIENT, client), (INVITE_CODE_PREFIX, code[:INVITE_CODE_PREFIX_LENGTH]))


def sign_in_locked(seconds: int) -> str:
    """What a locked sign-in says, the same whether or not the address has an account."""
    return (f"Too many failed attempts to sign in. Wait {minutes(seconds)} and try again, "
            "or choose a new password with “Forgotten your password?”.")


def invite_codes_locked(seconds: int) -> str:
    return f"Too many wrong invite codes have been tried. Wait {minutes(seconds)} and try again."


def minutes(seconds: int) -> str:
    """'1 minute', '15 minutes': a lock's remaining time for a message."""
    count = max(1, math.ceil(seconds / 60))
    return f"{count} minute{'s' if count != 1 else ''}"
