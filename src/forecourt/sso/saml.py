"""SAML 2.0 sign-in: this portal as a service provider (SP), with pysaml2 doing the protocol.

pysaml2 (with the xmlsec1 program) makes the AuthnRequest and checks the IdP's Response: the XML
signatures against the certificates of the IdP's metadata (the assertion's own signature when the
profile requires signed assertions, `saml_want_assertions_signed`), the audience (this SP's entity ID),
the Destination (our assertion consumer service), the time conditions (with SKEW seconds of clock
difference allowed) and InResponseTo (the ID of the request this browser started). Nothing here checks
a signature or a time by hand; what it adds is what pysaml2 leaves to the SP: replays across replicas
(`signin.refuse_replay` with the assertion's ID) and binding the answer to the browser.

The flow, and why each step is where it is:

1. `start` (a same-site GET, the session is there): a random value `r` is kept in this browser's
   session (under the profile's key, a few at most, for sign-ins started in several tabs), the
   AuthnRequest's ID is derived from it ("_" + r), and the RelayState is `r` signed with a time limit
   (django.core.signing, salted with the profile's key: a RelayState of one profile is nothing to
   another). It stays under SAML's 80-byte limit for RelayState (bindings, 3.4.3). The browser goes to
   the IdP by the HTTP-Redirect binding.
2. `accept` (the ACS): the IdP's page posts the Response cross-site, without the SameSite session
   cookie; the dispatcher has the portal's own page post it again, same-site, with the cookie
   (live/sso/bounce.py). Then: the RelayState's signature and age are checked, which gives `r`; `r` must
   be one this browser's session holds (a Response and RelayState captured and posted from another
   browser, or with no session at all, stop here, with nothing made); pysaml2 verifies the Response as
   the answer to the one request ID derived from `r`; the assertion's ID is recorded as used on every
   replica (the database decides, so a Response posted twice at once, even to two replicas, signs in
   once: `r` stays in the session until newer sign-ins push it out, so it is this record, not the
   session, that makes an answer single-use); the attributes become an `Identity`, which the caller
   hands to `finish`.

IdP-initiated sign-in (a Response answering no request) is refused: it cannot be bound to a browser.
The IdP's metadata comes from the profile's XML, or from its URL through the SSRF guard (time and size
capped, no redirects, no proxies from the environment). Errors become `SignInRefused` with plain words;
the Response, its assertion and its attributes are never logged (pysaml2's own logger is silenced below
ERROR's worth: its messages can quote the XML).
"""

from __future__ import annotations

import calendar
import datetime
import hmac
import logging
import secrets
import shutil
from collections.abc import Iterable, MutableMapping
from typing import Any

import httpx
from django.core import signing
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, SAMLError
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.response import (
    IncorrectlySigned,
    InvalidAssertion,
    StatusError,
    UnsolicitedResponse,
    VerificationError,
)
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NAMEID_FORMAT_TRANSIENT
from saml2.sigver import SigverError
from saml2.time_util import str_to_time
from saml2.validate import NotValid, ResponseLifetimeExceed, ToEarly

from forecourt import netguard

from . import signin, targets
from .identity import Identity, SignInRefused
from .models import SsoProfile

log = logging.getLogger("forecourt.sso")
# pysaml2 logs whole messages at DEBUG and quotes parts of them in its errors: assertions carry personal
# data and are bearer credentials until they expire. Forecourt logs its own plain reasons instead.
logging.getLogger("saml2").setLevel(logging.CRITICAL)

SKEW = 60  # seconds of clock difference allowed with the IdP
RELAY_STATE_MAX_AGE = 600  # seconds from start to the IdP's answer: signing in there, maybe with MFA
PENDING_PER_BROWSER = 5  # sign-ins started in other tabs that may still come back
SESSION_KEY = "sso.saml.started"
METADATA_TIMEOUT = 10.0
MAX_METADATA = 2 * 1024 * 1024  # one IdP's metadata is kilobytes; a federation's aggregate is not one IdP

# Attribute names used when the profile names none: the common spellings (LDAP-style, Entra ID's and
# ADFS's claim URIs, the OIDs of the "urn:oasis:names:tc:SAML:2.0:attrname-format:uri" profile).
EMAIL_NAMES = ("email", "mail", "emailAddress", "Email",
               "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
               "urn:oid:0.9.2342.19200300.100.1.3")
FIRST_NAME_NAMES = ("givenName", "firstName", "given_name", "FirstName",
                    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "urn:oid:2.5.4.42")
LAST_NAME_NAMES = ("sn", "surname", "lastName", "family_name", "LastName",
                   "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "urn:oid:2.5.4.4")

UNAVAILABLE = "The identity provider's metadata could not be read, so this sign-in cannot start. Try again later."
NOT_CONFIGURED = "This sign-in is not set up completely: ask an admin to check its identity provider's metadata."
NOT_STARTED_HERE = ("This answer of the identity provider is for a sign-in that was not started in this browser, "
                    "or has expired. Start again from the sign-in page.")
BAD_SIGNATURE = "The identity provider's answer is not signed as required, or not by its key. Nothing was signed in."
EXPIRED = "The identity provider's answer has expired (or the clocks differ). Start again from the sign-in page."
# pysaml2 raises one error for an expired answer and for one meant for another service.
NOT_VALID = ("The identity provider's answer is not valid here: it has expired (or the clocks differ), or it is "
             "meant for another service. Start again from the sign-in page.")
IDP_SAID_NO = "The identity provider did not sign you in."
TRANSIENT = ("The identity provider names you with a one-time identifier (a transient NameID), which cannot "
             "find your account next time. Ask an admin to set up a persistent NameID, or a user ID attribute.")


def fetch_metadata(url: str, *, transport: httpx.BaseTransport | None = None) -> str:
    """The IdP's metadata document at `url`, through the SSRF guard; SignInRefused if it cannot be had."""
    try:
        with httpx.Client(timeout=httpx.Timeout(METADATA_TIMEOUT), follow_redirects=False, trust_env=False,
                          transport=transport or targets.transport()) as client, \
                client.stream("GET", url, headers={"Accept": "application/samlmetadata+xml, application/xml"}) \
                as response:
            if response.status_code != 200:
                log.warning("sso: the IdP metadata URL answered %s", response.status_code)
                raise SignInRefused(UNAVAILABLE, "metadata_unavailable")
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > MAX_METADATA:
                    log.warning("sso: the IdP metadata is larger than %s bytes", MAX_METADATA)
                    raise SignInRefused(UNAVAILABLE, "metadata_unavailable")
    except netguard.Refused as exc:
        log.warning("sso: the IdP metadata URL is refused by the SSRF guard: %s", exc)
        raise SignInRefused(UNAVAILABLE, "metadata_unavailable") from None
    except httpx.HTTPError as exc:
        log.warning("sso: the IdP metadata URL could not be read (%s)", type(exc).__name__)
        raise SignInRefused(UNAVAILABLE, "metadata_unavailable") from None
    try:
        return bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        raise SignInRefused(UNAVAILABLE, "metadata_unavailable") from None


def _relay_signer(profile: SsoProfile) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"forecourt.sso.saml.relay-state:{profile.key}")


def _request_id(r: str) -> str:
    return "_" + r  # an xsd:ID: it must not start with a digit or "-"


class ServiceProvider:
    """This portal as the SP of one profile, at the given URLs (absolute: the IdP posts to `acs_url`)."""

    def __init__(self, profile: SsoProfile, *, acs_url: str, metadata_url: str,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.profile = profile
        self.acs_url = acs_url
        self.metadata_url = metadata_url
        self._transport = transport

    @property
    def entity_id(self) -> str:
        return self.profile.saml_sp_entity_id.strip() or self.metadata_url

    def _config(self, *, with_idp: bool) -> SPConfig:
        xmlsec = shutil.which("xmlsec1")
        if xmlsec is None:
            # pysaml2 signs and verifies with this program: without it no answer could ever be checked.
            log.error("sso: the xmlsec1 program is not installed (Debian: xmlsec1): SAML sign-in cannot work")
            raise SignInRefused(NOT_CONFIGURED, "xmlsec1_missing")
        conf: dict[str, Any] = {
            "entityid": self.entity_id,
            "service": {"sp": {
                "endpoints": {"assertion_consumer_service": [(self.acs_url, BINDING_HTTP_POST)]},
                "allow_unsolicited": False,
                "authn_requests_signed": False,
                "want_assertions_signed": self.profile.saml_want_assertions_signed,
                "want_response_signed": False,
                # Without signed assertions required, a signed Response is enough; nothing unsigned ever is.
                "want_assertions_or_response_signed": True,
                "force_authn": self.profile.saml_force_authn,
            }},
            "accepted_time_diff": SKEW,
            "allow_unknown_attributes": True,
            "xmlsec_binary": xmlsec,
            "metadata": {"inline": [self._idp_metadata()]} if with_idp else {},
        }
        try:
            return SPConfig().load(conf)
        except (SAMLError, ValueError, SyntaxError, KeyError, TypeError) as exc:
            log.warning("sso: profile %s: the IdP metadata cannot be used (%s)", self.profile.key,
                        type(exc).__name__)
            raise SignInRefused(NOT_CONFIGURED, "metadata_invalid") from None

    def _idp_metadata(self) -> str:
        if self.profile.saml_metadata_xml.strip():
            return self.profile.saml_metadata_xml
        if self.profile.saml_metadata_url.strip():
            return fetch_metadata(self.profile.saml_metadata_url, transport=self._transport)
        raise SignInRefused(NOT_CONFIGURED, "metadata_missing")

    def _client(self) -> tuple[Saml2Client, str]:
        """pysaml2's client, and the entity ID of the one IdP the metadata names."""
        client = Saml2Client(config=self._config(with_idp=True))
        idps = list(client.metadata.identity_providers())
        if len(idps) != 1:
            log.warning("sso: profile %s: the IdP metadata names %s identity providers, not one",
                        self.profile.key, len(idps))
            raise SignInRefused(NOT_CONFIGURED, "metadata_invalid")
        return client, idps[0]

    def metadata_xml(self) -> str:
        """This SP's metadata, for the IdP's admin: entity ID, the assertion consumer service (HTTP-POST),
        and that assertions must be signed. Made without the IdP's metadata, so it shows while that is
        missing or unreachable."""
        xml = create_metadata_string(None, config=self._config(with_idp=False), sign=False)
        return xml.decode("utf-8") if isinstance(xml, bytes) else str(xml)

    def start(self, session: MutableMapping[str, Any]) -> str:
        """Where to send the browser: the IdP's single sign-on URL with our AuthnRequest (HTTP-Redirect)."""
        client, idp = self._client()
        r = secrets.token_urlsafe(16)
        destination = client.sso_location(idp, BINDING_HTTP_REDIRECT)
        if not destination:
            log.warning("sso: profile %s: the IdP metadata names no HTTP-Redirect sign-on service", self.profile.key)
            raise SignInRefused(NOT_CONFIGURED, "metadata_invalid")
        _, request = client.create_authn_request(destination, binding=BINDING_HTTP_POST,
                                                 message_id=_request_id(r),
                                                 force_authn=self.profile.saml_force_authn)
        started = dict(session.get(SESSION_KEY) or {})
        mine = [v for v in started.get(self.profile.key, []) if isinstance(v, str)][-(PENDING_PER_BROWSER - 1):]
        started[self.profile.key] = [*mine, r]
        session[SESSION_KEY] = started
        http = client.apply_binding(BINDING_HTTP_REDIRECT, str(request), destination,
                                    relay_state=_relay_signer(self.profile).sign(r))
        location = dict(http["headers"]).get("Location", "")
        if not location:
            raise SignInRefused(NOT_CONFIGURED, "metadata_invalid")
        return str(location)

    def accept(self, session: MutableMapping[str, Any], saml_response: str, relay_state: str) -> Identity:
        """The identity the IdP's Response (posted to the ACS) proves, for the browser that started it."""
        if not saml_response or not relay_state:
            raise SignInRefused(NOT_STARTED_HERE, "unsolicited")
        try:
            r = _relay_signer(self.profile).unsign(relay_state, max_age=RELAY_STATE_MAX_AGE)
        except signing.SignatureExpired:
            raise SignInRefused(NOT_STARTED_HERE, "relay_state_expired") from None
        except signing.BadSignature:
            raise SignInRefused(NOT_STARTED_HERE, "relay_state") from None
        started = dict(session.get(SESSION_KEY) or {})
        mine = [v for v in started.get(self.profile.key, []) if isinstance(v, str)]
        if not any(hmac.compare_digest(r, v) for v in mine):
            raise SignInRefused(NOT_STARTED_HERE, "other_browser")
        client, _ = self._client()
        response = self._verified(client, saml_response, _request_id(r))
        signin.refuse_replay(self.profile, f"saml:{response.assertion.id}", self._expiry(response))
        return self._identity(response)

    def _verified(self, client: Saml2Client, saml_response: str, request_id: str) -> Any:
        try:
            response = client.parse_authn_request_response(saml_response, BINDING_HTTP_POST,
                                                           outstanding={request_id: self.acs_url})
        except UnsolicitedResponse:
            raise SignInRefused(NOT_STARTED_HERE, "in_response_to") from None
        except (SigverError, IncorrectlySigned) as exc:
            self._refused("signature", exc)
            raise SignInRefused(BAD_SIGNATURE, "signature") from None
        except (ResponseLifetimeExceed, ToEarly) as exc:
            self._refused("expired", exc)
            raise SignInRefused(EXPIRED, "expired") from None
        except StatusError as exc:
            self._refused("idp_status", exc)
            raise SignInRefused(IDP_SAID_NO, "idp_status") from None
        except (VerificationError, InvalidAssertion, NotValid, SAMLError) as exc:
            self._refused("invalid", exc)
            raise SignInRefused(NOT_VALID, "invalid") from None
        except Exception as exc:  # noqa: BLE001 - pysaml2 raises plain Exception for some checks (the audience)
            self._refused("invalid", exc)
            raise SignInRefused(NOT_VALID, "invalid") from None
        if response is None or response.assertion is None:
            self._refused("invalid", None)
            raise SignInRefused(NOT_VALID, "invalid")
        if self.profile.saml_want_assertions_signed and response.assertion.signature is None:
            # pysaml2 checked it; this says so again where the profile's rule is read
            raise SignInRefused(BAD_SIGNATURE, "signature")
        return response

    def _refused(self, code: str, exc: BaseException | None) -> None:
        # The exception's type only: pysaml2's messages can quote the XML.
        log.info("sso: profile %s refused a SAML response (%s%s)", self.profile.key, code,
                 f": {type(exc).__name__}" if exc is not None else "")

    @staticmethod
    def _expiry(response: Any) -> datetime.datetime:
        """When the assertion stops being valid: after that a replay is refused by its time anyway."""
        ends: list[str] = []
        assertion = response.assertion
        if assertion.conditions is not None and assertion.conditions.not_on_or_after:
            ends.append(assertion.conditions.not_on_or_after)
        subject = assertion.subject
        for confirmation in (subject.subject_confirmation if subject is not None else []) or []:
            data = confirmation.subject_confirmation_data
            if data is not None and data.not_on_or_after:
                ends.append(data.not_on_or_after)
        if not ends:
            return datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
        latest = max(calendar.timegm(str_to_time(end)) for end in ends)
        return datetime.datetime.fromtimestamp(latest + SKEW, tz=datetime.UTC)

    def _identity(self, response: Any) -> Identity:
        claims = attributes(response)
        profile = self.profile
        name_id = response.assertion.subject.name_id if response.assertion.subject is not None else None
        name_id_text = (name_id.text or "").strip() if name_id is not None else ""
        user_id_field = profile.user_id_field.strip()
        if not user_id_field and name_id is not None and name_id.format == NAMEID_FORMAT_TRANSIENT:
            # A new subject at every sign-in: the second would be refused as someone else with this e-mail.
            log.warning("sso: profile %s: the IdP sent a transient NameID and no user ID attribute is set",
                        profile.key)
            raise SignInRefused(TRANSIENT, "transient_name_id")
        subject = _first(claims, [user_id_field]) if user_id_field else name_id_text
        email = _first(claims, _names(profile.saml_email_attribute, profile.email_field, default=EMAIL_NAMES))
        if not email and name_id is not None and name_id.format == NAMEID_FORMAT_EMAILADDRESS:
            email = name_id_text
        groups: list[str] = []
        if profile.group_field.strip():
            for value in claims.get(profile.group_field.strip(), []):
                parts = value.split(profile.group_separator) if profile.group_separator else [value]
                groups.extend(p.strip() for p in parts if p.strip() and p.strip() not in groups)
        return Identity(
            subject=subject, email=email,
            first_name=_first(claims, _names(profile.saml_first_name_attribute, default=FIRST_NAME_NAMES)),
            last_name=_first(claims, _names(profile.saml_last_name_attribute, default=LAST_NAME_NAMES)),
            groups=tuple(dict.fromkeys(groups)), claims=claims)


def attributes(response: Any) -> dict[str, list[str]]:
    """Every attribute of the verified assertion, by its Name, its FriendlyName, and the name pysaml2's
    attribute maps give it (so "mail" and "urn:oid:0.9.2342.19200300.100.1.3" both find an e-mail)."""
    claims: dict[str, list[str]] = {}

    def add(name: str | None, values: Iterable[Any]) -> None:
        if not name:
            return
        kept = claims.setdefault(str(name), [])
        for value in values:
            text = value if isinstance(value, str) else str(getattr(value, "text", value) or "")
            if text not in kept:
                kept.append(text)

    for name, values in (response.ava or {}).items():
        add(name, values)
    for statement in response.assertion.attribute_statement or []:
        for attribute in statement.attribute or []:
            values = list(attribute.attribute_value or [])
            add(attribute.name, values)
            add(attribute.friendly_name, values)
    return claims


def _names(*configured: str, default: tuple[str, ...]) -> list[str]:
    chosen = [c.strip() for c in configured if c and c.strip()]
    return chosen or list(default)


def _first(claims: dict[str, list[str]], names: list[str]) -> str:
    for name in names:
        for value in claims.get(name, []):
            if value.strip():
                return value.strip()
    return ""
