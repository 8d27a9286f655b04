"""Creditors, members and API tokens: the writes."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email, validate_slug
from django.db import transaction
from django.utils import timezone
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import vatin
from stdnum.exceptions import ValidationError as StdnumError

from tact.audit.services import audit_record

from .errors import CreditorExists, InvalidCreditorField, InvalidUserField, UnknownCreditor
from .models import COUNTRIES, LANGUAGES, PERMISSIONS, ApiToken, Creditor, Membership, Role

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
    """Issue an API token. A person may not issue a token that may do more than they may;
    ``by`` None is an operator at the command line."""
    if role not in Role.values:
        raise InvalidUserField(field="role", problem=f"{role!r} is not one of {', '.join(Role.values)}.")
    if by is not None:
        own = Membership.objects.filter(user=by, creditor=creditor).values_list("role", flat=True).first()
        if own is None or not PERMISSIONS[role] <= PERMISSIONS[own]:
            raise InvalidUserField(
                field="role", problem=f"your role may not issue a token with the role {role!r}."
            )
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


# -- creditor settings ------------------------------------------------------------------

LOGO_MAX_BYTES = 512 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
# The settings a creditor may change after creation; the country is fixed because law,
# currency and the debtors' defaults were derived from it.
SETTINGS_FIELDS = (
    "legal_name", "street", "postal_code", "city", "language", "iban", "bic", "vat_id",
    "sender_email", "primary_color", "accent_color",
)  # fmt: skip
TEXT_LIMITS = {"legal_name": 200, "street": 200, "postal_code": 20, "city": 100}


def normalize_bic(value: str, *, field: str = "bic") -> str:
    try:
        return str(BIC(value))
    except SchwiftyException as exc:
        raise InvalidCreditorField(
            field=field, problem=f"{value!r} is not a valid BIC (8 or 11 characters, like COBADEFFXXX)."
        ) from exc


def logo_kind(data: bytes) -> str | None:
    """``"png"`` or ``"jpeg"`` when the bytes have that image's structure, else None.

    The file name and the browser's content type are the sender's claims; the bytes are
    what a browser will render. SVG is refused on purpose: it can carry script.
    """
    if (
        data.startswith(PNG_SIGNATURE)
        and data[12:16] == b"IHDR"
        and int.from_bytes(data[16:20], "big") > 0
        and int.from_bytes(data[20:24], "big") > 0
        and b"IEND" in data[-16:]
    ):
        return "png"
    # Start of image, then a marker segment; the end-of-image marker closes the file (some
    # cameras append a few padding bytes after it).
    if data.startswith(b"\xff\xd8\xff") and b"\xff\xd9" in data[-64:]:
        return "jpeg"
    return None


def _checked_logo(data: bytes) -> str:
    if len(data) > LOGO_MAX_BYTES:
        raise InvalidCreditorField(
            field="logo",
            problem=f"the logo has {len(data)} bytes; at most {LOGO_MAX_BYTES} are accepted.",
            reason="too_large",
            size=len(data),
            limit=LOGO_MAX_BYTES,
        )
    kind = logo_kind(data)
    if kind is None:
        raise InvalidCreditorField(
            field="logo", problem="the logo must be a PNG or JPEG image.", reason="not_an_image"
        )
    return kind


def _checked_settings(creditor: Creditor, changes: dict[str, str]) -> dict[str, str]:
    """The changes validated and normalized. Raises InvalidCreditorField naming the field."""
    clean: dict[str, str] = {}
    for name, value in changes.items():
        value = value.strip()
        if name in TEXT_LIMITS and len(value) > TEXT_LIMITS[name]:
            raise InvalidCreditorField(
                field=name, problem=f"is longer than {TEXT_LIMITS[name]} characters.", reason="too_long"
            )
        if name == "legal_name" and not value:
            raise InvalidCreditorField(field=name, problem="the legal name is required.", reason="required")
        if name == "language" and value not in dict(LANGUAGES):
            raise InvalidCreditorField(field=name, problem=f"{value!r} is not one of de, nl, en, fr.")
        if name == "iban" and value:
            value = normalize_iban(value)
        if name == "bic" and value:
            value = normalize_bic(value)
        if name == "vat_id" and value:
            value = normalize_vat_id(value)
        if name == "sender_email" and value:
            try:
                validate_email(value)
            except ValidationError as exc:
                raise InvalidCreditorField(
                    field=name, problem=f"{value!r} is not an e-mail address."
                ) from exc
        if name in ("primary_color", "accent_color"):
            if not COLOR_RE.match(value):
                raise InvalidCreditorField(field=name, problem=f"{value!r} is not a colour like #1f6f5c.")
            value = value.lower()
        clean[name] = value
    iban = clean.get("iban", creditor.iban)
    if clean.get("bic") == "" and iban:
        # As at creation: a cleared BIC is taken from the IBAN when the bank is known.
        try:
            derived = IBAN(iban).bic
        except SchwiftyException:
            derived = None
        clean["bic"] = str(derived) if derived else ""
    return clean


@transaction.atomic
def creditor_update(
    *,
    creditor: Creditor,
    by: AbstractBaseUser | None,
    legal_name: str | None = None,
    street: str | None = None,
    postal_code: str | None = None,
    city: str | None = None,
    language: str | None = None,
    iban: str | None = None,
    bic: str | None = None,
    vat_id: str | None = None,
    sender_email: str | None = None,
    primary_color: str | None = None,
    accent_color: str | None = None,
    logo: bytes | None = None,
    remove_logo: bool = False,
) -> Creditor:
    """Change a creditor's settings; a field given as None stays as it is, "" clears it.

    The country cannot change. The IBAN is checked with schwifty, the VAT id with
    python-stdnum, the logo by its bytes (PNG or JPEG, at most 512 kB). One audit event
    records the changed fields before and after; nothing changed, nothing is written.
    Raises InvalidCreditorField naming the field (``facts["field"]``).
    """
    given = {
        "legal_name": legal_name, "street": street, "postal_code": postal_code, "city": city,
        "language": language, "iban": iban, "bic": bic, "vat_id": vat_id, "sender_email": sender_email,
        "primary_color": primary_color, "accent_color": accent_color,
    }  # fmt: skip
    clean = _checked_settings(creditor, {k: v for k, v in given.items() if v is not None})
    logo_type = _checked_logo(logo) if logo is not None else None

    creditor = Creditor.objects.select_for_update().get(pk=creditor.pk)
    before = {k: getattr(creditor, k) for k, v in clean.items() if getattr(creditor, k) != v}
    after = {k: clean[k] for k in before}
    old_logo = creditor.logo.name
    if logo is not None:
        digest = hashlib.sha256(logo).hexdigest()
        extension = "png" if logo_type == "png" else "jpg"
        name = f"{creditor.slug}-{digest[:12]}.{extension}"
        if PurePosixPath(old_logo).name != name:  # the same picture again changes nothing
            # Written before the commit: a rollback leaves an unused file, never a missing one.
            creditor.logo.save(name, ContentFile(logo), save=False)
            before["logo"], after["logo"] = old_logo, creditor.logo.name
    elif remove_logo and old_logo:
        creditor.logo = ""
        before["logo"], after["logo"] = old_logo, ""
    if before == after:
        return creditor
    for name, value in after.items():
        if name != "logo":
            setattr(creditor, name, value)
    creditor.save()
    if old_logo and creditor.logo.name != old_logo:
        storage = creditor.logo.storage
        # The old file goes only once the new name is committed; a rollback keeps it in use.
        transaction.on_commit(lambda: storage.delete(old_logo))
    audit_record(
        creditor=creditor, actor=by, action="creditor_updated", subject=creditor, before=before, after=after
    )
    return creditor
