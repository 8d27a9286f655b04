"""Secrets at rest: a creditor's provider keys are stored Fernet-encrypted, never in clear.

Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``) rather than anything made
here: a database dump or backup alone reveals no key. The key comes from
``TACT_SECRETS_KEY`` (comma-separated: the first encrypts, all decrypt, so a key can be
rolled), else it is derived from Django's ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS``.
Changing the key without keeping the old one among them makes the stored secrets
unreadable (``SecretUnreadable``): they must be entered again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

from tact.core.errors import TactError

from . import conf

SALT = "tact.payments.vault"


class SecretUnreadable(TactError):
    code = "payments_secret_unreadable"
    status = 500
    template = "a stored secret cannot be decrypted with the configured keys ({problem})"


def _fernet_key(material: str) -> bytes:
    """A Fernet key as given (urlsafe base64 of 32 bytes), else one derived from the text."""
    try:
        if len(base64.urlsafe_b64decode(material.encode())) == 32:
            return material.encode()
    except (binascii.Error, ValueError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(f"{SALT}:{material}".encode()).digest())


def _keys() -> list[bytes]:
    configured = conf.setting_list("TACT_SECRETS_KEY")
    if configured:
        return [_fernet_key(k) for k in configured]
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [
        base64.urlsafe_b64encode(salted_hmac(SALT, "fernet", secret=s, algorithm="sha256").digest())
        for s in secrets
    ]


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k) for k in _keys()])


def seal(plaintext: str) -> str:
    """The stored form of a secret ('' stays '': nothing to hide)."""
    if not plaintext:
        return ""
    return _fernet().encrypt(plaintext.encode()).decode("ascii")


def unseal(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except InvalidToken as exc:
        raise SecretUnreadable(problem="wrong key or altered value") from exc


def last4(plaintext: str) -> str:
    """What the pages show of a secret: its last four characters, and only when it is
    long enough that they give little away."""
    return plaintext[-4:] if len(plaintext) >= 12 else ""
