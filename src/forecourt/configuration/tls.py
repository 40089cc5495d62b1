"""Checks of the TLS settings that need more than one value or the file system.

`forecourt serve` hands the certificate to granian, which would only fail inside a worker with a
Rust error; checking here, when the configuration is loaded, stops every command at start with
exit status 2 and the setting's name instead, like any other bad setting. No Django here.
"""

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from .errors import ConfigError
from .said import Said, gettext_noop

CERTIFICATES = "TLSConfig.Certificates"
# An HSTS preload list accepts a site only with max-age of a year or more (hstspreload.org).
PRELOAD_MIN_AGE = 31536000


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot be read: {exc.strerror or exc}") from None


def _check_pair(cert_path: Path, key_path: Path) -> tuple[str, datetime.datetime]:
    """Load the PEM certificate (chain) and its key; the first problem as a ValueError naming the file."""
    try:
        chain = x509.load_pem_x509_certificates(_read(cert_path))
    except ValueError as exc:
        problem = str(exc) if "cannot be read" in str(exc) else "is not a PEM certificate"
        raise ValueError(f"CertFile {cert_path} {problem}") from None
    try:
        key = serialization.load_pem_private_key(_read(key_path), password=None)
    except TypeError:
        raise ValueError(f"KeyFile {key_path} is encrypted: Forecourt needs the key unencrypted "
                         "(readable by the portal's user only)") from None
    except ValueError as exc:
        problem = str(exc) if "cannot be read" in str(exc) else "is not a PEM private key"
        raise ValueError(f"KeyFile {key_path} {problem}") from None
    except UnsupportedAlgorithm:
        raise ValueError(f"KeyFile {key_path} is not a private key Forecourt can use (RSA, ECDSA or Ed25519)") from None
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if chain[0].public_key().public_bytes(*spki) != key.public_key().public_bytes(*spki):
        raise ValueError(f"KeyFile {key_path} is not the key of the certificate in CertFile {cert_path}")
    return chain[0].subject.rfc4514_string(), chain[0].not_valid_after_utc


def check(values: dict[str, Any], sources: dict[str, str], base: Path, name_of: Callable[[str, str], str],
          warnings: list[str], notices: list[str]) -> None:
    """Validate TLS and HSTS settings together; make certificate paths absolute (from `base`) in `values`."""
    if values["HSTS.Preload"] and values["HSTS.MaxAge"] < PRELOAD_MIN_AGE:
        key = "HSTS.Preload"
        raise ConfigError(name_of(key, sources[key]), sources[key], f"needs HSTS.MaxAge of {PRELOAD_MIN_AGE} "
                          f"seconds (a year) or more; it is {values['HSTS.MaxAge']}")
    if values["TLSConfig.MinVersion"] < 771 and sources["TLSConfig.MinVersion"] != "default":
        notices.append(Said(gettext_noop("TLSConfig.MinVersion asks for TLS 1.0 or 1.1, which Forecourt does not "
                                         "offer: the oldest version served is TLS 1.2")))
    if not values["TLSConfig.Enable"]:
        return
    source = sources[CERTIFICATES]
    name = name_of(CERTIFICATES, source)
    certificates = values[CERTIFICATES]
    if not certificates:
        enable = "TLSConfig.Enable"
        raise ConfigError(name_of(enable, sources[enable]), sources[enable], "TLS needs a certificate: set "
                          'TLSConfig.Certificates (PORTAL_TLS_CERTIFICATES) to [{"Name", "CertFile", "KeyFile"}]')
    if len(certificates) > 1:
        raise ConfigError(name, source, f"lists {len(certificates)} certificates, and Forecourt serves one: give "
                          "one valid for every name the portal is reached by, or end TLS at a reverse proxy")
    entry = certificates[0]
    cert_path, key_path = (Path(entry[k]).expanduser() for k in ("CertFile", "KeyFile"))
    cert_path, key_path = (p if p.is_absolute() else base / p for p in (cert_path, key_path))
    try:
        subject, expires = _check_pair(cert_path, key_path)
    except ValueError as exc:
        raise ConfigError(name, source, str(exc)) from None
    if expires < datetime.datetime.now(datetime.UTC):
        warnings.append(Said(gettext_noop("the TLS certificate %(path)s (%(subject)s) expired on %(date)s: "
                                          "browsers will refuse the portal until it is renewed"),
                             path=cert_path, subject=subject, date=f"{expires:%Y-%m-%d}"))
    values[CERTIFICATES] = [{**entry, "CertFile": str(cert_path.absolute()), "KeyFile": str(key_path.absolute())}]
