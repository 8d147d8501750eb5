"""API tokens: issue (the plain token is returned once), revoke, and look up the user behind a bearer token."""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from profiles.models import ApiToken

TOKEN_PREFIX = "lh_"
# Writing last_used_at on every request would turn each API read into a write; a minute is precise enough.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _clean_name(name) -> str:
    text = "" if name is None else str(name).strip()
    if not text:
        raise ValidationError({"name": ["Give the token a name, e.g. the system that will use it."]})
    if len(text) > 100 or "\x00" in text:
        raise ValidationError({"name": ["Use at most 100 characters."]})
    return text


def api_token_issue(*, user, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the plain token, which is never stored and never shown again."""
    if not user.is_active:
        raise ValidationError({"user": ["This user is deactivated."]})
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=_clean_name(name), token_hash=hash_token(plain), prefix=plain[: len(TOKEN_PREFIX) + 6]
    )
    return token, plain


def _may_manage(by, token: ApiToken) -> bool:
    if by.is_staff or token.user_id == by.pk:
        return True
    membership = getattr(by, "membership", None)
    owner_membership = getattr(token.user, "membership", None)
    return (
        membership is not None
        and membership.is_partner_admin
        and owner_membership is not None
        and owner_membership.organisation_id == membership.organisation_id
    )


@transaction.atomic
def api_token_revoke(*, token_id: int, by) -> ApiToken:
    """Revoke a token of the caller's organisation (partner admin), their own, or any (ops); idempotent."""
    token = (
        ApiToken.objects.select_for_update(of=("self",)).select_related("user__membership").filter(pk=token_id).first()
    )
    if token is None or not _may_manage(by, token):
        raise ApiToken.DoesNotExist("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_get_for_organisation(*, token_id: int, organisation_id: int) -> ApiToken | None:
    return ApiToken.objects.filter(pk=token_id, user__membership__organisation_id=organisation_id).first()


def api_tokens_for_organisation(organisation_id: int) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user__membership__organisation_id=organisation_id).select_related("user")


def api_token_user(plain: str):
    """The active user behind a bearer token, or None for a missing, unknown, revoked or deactivated one."""
    if not plain or not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__membership")
        .filter(token_hash=hash_token(plain), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
