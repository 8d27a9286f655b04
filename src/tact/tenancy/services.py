"""Creditors, members and API tokens: the writes."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import transaction
from django.utils import timezone
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import vatin
from stdnum.exceptions import ValidationError as StdnumError

from tact.audit.services import audit_record

from .errors import CreditorExists, InvalidCreditorField, InvalidUserField, UnknownCreditor
from .models import COUNTRIES, LANGUAGES, ApiToken, Creditor, Membership, Role

CURRENCY_OF = {"DE": "EUR", "NL": "EUR", "BE": "EUR", "AT": "EUR"}
LANGUAGE_OF = {"DE": "de", "NL": "nl", "BE": "nl", "AT": "de"}


def normalize_iban(value: str, *, field: str = "iban") -> str:
    try:
        return IBAN(value).compact
    except SchwiftyException as exc:
        raise InvalidCreditorField(field=field, problem=f"{value!r} is not a valid IBAN ({exc}).") from exc


def normalize_vat_id(value: str, *, field: str = "vat_id") -> str:
    try:
        return vatin.validate(value)
    except StdnumError as exc:
        raise InvalidCreditorField(
            field=field, problem=f"{value!r} is not a valid EU VAT id (like DE136695976)."
        ) from exc


@transaction.atomic
def creditor_add(
    *,
    slug: str,
    legal_name: str,
    country: str,
    iban: str = "",
    bic: str = "",
    vat_id: str = "",
    sender_email: str = "",
    language: str | None = None,
    currency: str | None = None,
    street: str = "",
    postal_code: str = "",
    city: str = "",
    by: AbstractBaseUser | None = None,
) -> Creditor:
    """Create a creditor (tenant) after checking every field.

    Raises InvalidCreditorField naming the field, or CreditorExists.
    """
    slug = slug.strip().lower()
    try:
        validate_slug(slug)
    except ValidationError as exc:
        raise InvalidCreditorField(
            field="slug", problem=f"{slug!r} may contain only letters, digits, - and _."
        ) from exc
    if not legal_name.strip():
        raise InvalidCreditorField(field="name", problem="the legal name is required.")
    country = country.strip().upper()
    if country not in dict(COUNTRIES):
        raise InvalidCreditorField(
            field="country", problem=f"{country!r} is not supported; use one of DE, NL, BE, AT."
        )
    language = (language or LANGUAGE_OF[country]).strip().lower()
    if language not in dict(LANGUAGES):
        raise InvalidCreditorField(field="language", problem=f"{language!r} is not one of de, nl, en, fr.")
    if iban:
        iban = normalize_iban(iban)
    if bic:
        try:
            bic = str(BIC(bic))
        except SchwiftyException as exc:
            raise InvalidCreditorField(field="bic", problem=f"{bic!r} is not a valid BIC.") from exc
    elif iban:
        try:
            derived = IBAN(iban).bic
            bic = str(derived) if derived else ""
        except SchwiftyException:
            bic = ""
    if vat_id:
        vat_id = normalize_vat_id(vat_id)
    if sender_email:
        try:
            validate_email(sender_email)
        except ValidationError as exc:
            raise InvalidCreditorField(
                field="email", problem=f"{sender_email!r} is not an e-mail address."
            ) from exc
    if Creditor.objects.filter(slug=slug).exists():
        raise CreditorExists(slug=slug)
    creditor = Creditor.objects.create(
        slug=slug,
        legal_name=legal_name.strip(),
        country=country,
        currency=currency or CURRENCY_OF[country],
        language=language,
        iban=iban,
        bic=bic,
        vat_id=vat_id,
        sender_email=sender_email,
        street=street,
        postal_code=postal_code,
        city=city,
    )
    audit_record(creditor=creditor, actor=by, action="creditor_added", subject=creditor, after={"slug": slug})
    return creditor


def creditor_get(*, slug: str) -> Creditor:
    try:
        return Creditor.objects.get(slug=slug)
    except Creditor.DoesNotExist as exc:
        raise UnknownCreditor(slug=slug) from exc


@dataclass(frozen=True)
class UserAdded:
    user: AbstractBaseUser
    membership: Membership
    password: str | None  # the one-time password, shown once; None for an existing user


@transaction.atomic
def user_add(
    *,
    creditor: Creditor,
    email: str,
    role: str,
    password: str | None = None,
    by: AbstractBaseUser | None = None,
) -> UserAdded:
    """Give a person access to a creditor with a role; create the account when new.

    A new account gets a random one-time password unless one is given; it is returned once.
    """
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidUserField(field="email", problem=f"{email!r} is not an e-mail address.") from exc
    if role not in Role.values:
        raise InvalidUserField(field="role", problem=f"{role!r} is not one of {', '.join(Role.values)}.")
    User = get_user_model()
    user = User.objects.filter(username=email).first()
    shown_password = None
    if user is None:
        shown_password = password or secrets.token_urlsafe(12)
        user = User.objects.create_user(username=email, email=email, password=shown_password)
    membership, _ = Membership.objects.update_or_create(user=user, creditor=creditor, defaults={"role": role})
    audit_record(
        creditor=creditor,
        actor=by,
        action="member_added",
        subject=membership,
        after={"email": email, "role": role},
    )
    return UserAdded(user=user, membership=membership, password=shown_password)


TOKEN_PREFIX_BYTES = 6
TOKEN_PREFIX = re.compile(r"[0-9a-f]{12}")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class TokenIssued:
    token: ApiToken
    plaintext: str  # shown once: "tact_<prefix>_<secret>"


@transaction.atomic
def token_create(
    *,
    creditor: Creditor,
    name: str,
    role: str = Role.CREDIT_MANAGER,
    by: AbstractBaseUser | None = None,
) -> TokenIssued:
    if role not in Role.values:
        raise InvalidUserField(field="role", problem=f"{role!r} is not one of {', '.join(Role.values)}.")
    prefix = secrets.token_hex(TOKEN_PREFIX_BYTES)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        creditor=creditor,
        name=name.strip() or "API token",
        prefix=prefix,
        secret_hash=_hash(secret),
        role=role,
        created_by=by,
    )
    audit_record(
        creditor=creditor,
        actor=by,
        action="api_token_created",
        subject=token,
        after={"name": token.name},
    )
    return TokenIssued(token=token, plaintext=f"tact_{prefix}_{secret}")


def token_authenticate(*, plaintext: str) -> ApiToken | None:
    """The live token for a presented secret, else None. Records its last use."""
    parts = plaintext.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "tact" or not TOKEN_PREFIX.fullmatch(parts[1]):
        return None
    token = (
        ApiToken.objects.select_related("creditor").filter(prefix=parts[1], revoked_at__isnull=True).first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(parts[2])):
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@transaction.atomic
def token_revoke(*, token: ApiToken, by: AbstractBaseUser | None = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(creditor=token.creditor, actor=by, action="api_token_revoked", subject=token)
    return token
