"""THE check of a SAML identity provider's metadata document that an admin pastes into a profile.

Why a check before the protocol library sees it: the document is stored and later handed to pysaml2
on every sign-in, so a document that is not an IdP's metadata (an SP's, a login page's HTML) should be
refused when it is saved, with a reason, rather than fail each sign-in. The admin's text is untrusted
XML: it is read by expat with every DTD refused (no entity can expand or reach a file or the network),
and nothing of it is evaluated; signatures are the library's business, not this module's.
"""

import base64
import binascii
from typing import NoReturn
from xml.parsers import expat

from cryptography import x509
from django.core.exceptions import ValidationError

MAX_CHARS = 1_000_000
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
_SEP = "|"
ROOTS = (f"{{{MD}}}EntityDescriptor", f"{{{MD}}}EntitiesDescriptor")


class _Forbidden(Exception):
    pass


def _refuse_dtd(*_: object) -> NoReturn:
    raise _Forbidden("a DTD")


class _Reader:
    """What the check needs from one pass of expat over the document."""

    def __init__(self) -> None:
        self.root = ""
        self.idp = False
        self.sso_service = False
        self.certificates: list[str] = []
        self._in_certificate = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        uri, _, local = name.rpartition(_SEP)
        if not self.root:
            self.root = f"{{{uri}}}{local}" if uri else local
        self.idp |= uri == MD and local == "IDPSSODescriptor"
        self.sso_service |= self.idp and uri == MD and local == "SingleSignOnService"
        if self.idp and uri == DS and local == "X509Certificate":
            self._in_certificate = True
            self.certificates.append("")

    def end(self, name: str) -> None:
        self._in_certificate = False

    def text(self, data: str) -> None:
        if self._in_certificate:
            self.certificates[-1] += data

    def read(self, text: str) -> None:
        parser = expat.ParserCreate(namespace_separator=_SEP)
        parser.StartDoctypeDeclHandler = _refuse_dtd
        parser.EntityDeclHandler = _refuse_dtd
        parser.UnparsedEntityDeclHandler = _refuse_dtd
        parser.ExternalEntityRefHandler = _refuse_dtd
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        try:
            parser.Parse(text.encode("utf-8"), True)
        except _Forbidden:
            raise ValidationError("The metadata may not contain a DTD (<!DOCTYPE ...>): remove it.",
                                  code="dtd") from None
        except expat.ExpatError as exc:
            raise ValidationError(f"The metadata is not well-formed XML ({expat.ErrorString(exc.code)}, line "
                                  f"{exc.lineno}, column {exc.offset + 1}).", code="not_xml") from None


def check(text: str) -> str:
    """The document, stripped, if it is an IdP's metadata; ValidationError in plain words if not."""
    text = (text or "").strip()
    if not text:
        return ""
    if len(text) > MAX_CHARS:
        raise ValidationError(f"The metadata is too long: at most {MAX_CHARS:,} characters.", code="too_long")
    seen = _Reader()
    seen.read(text)
    if seen.root not in ROOTS:
        raise ValidationError(f"This is not SAML metadata: its root element should be md:EntityDescriptor ({MD}).",
                              code="not_metadata")
    if not seen.idp:
        raise ValidationError("This metadata describes no identity provider (no IDPSSODescriptor): give the "
                              "IdP's metadata, not a service provider's.", code="not_idp")
    if not seen.sso_service:
        raise ValidationError("The IdP's metadata names no SingleSignOnService: the portal would not know where "
                              "to send users.", code="no_sso_service")
    certificates = [c for c in seen.certificates if c.strip()]
    if not certificates:
        raise ValidationError("The IdP's metadata names no signing certificate (KeyDescriptor with an "
                              "X509Certificate): its assertions could not be checked.", code="no_certificate")
    for number, certificate in enumerate(certificates, 1):
        try:
            x509.load_der_x509_certificate(base64.b64decode("".join(certificate.split()), validate=True))
        except (ValueError, binascii.Error):
            raise ValidationError(f"The IdP's certificate number {number} (X509Certificate) cannot be read: it "
                                  "should be a base64 DER X.509 certificate.", code="bad_certificate") from None
    return text
