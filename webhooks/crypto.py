"""Endpoint secrets: made as Standard Webhooks expects (`whsec_` + base64), kept encrypted with LEADHUB_WEBHOOKS_KEY."""

import base64
import hashlib
import secrets
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def secret_generate() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


@cache
def _fernet(keys: tuple[str, ...], fallback: str) -> MultiFernet:
    if not keys:
        # Development and tests only (production.py requires the key): stable for as long as SECRET_KEY is.
        keys = (base64.urlsafe_b64encode(hashlib.sha256(f"webhooks:{fallback}".encode()).digest()).decode(),)
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    """The first key encrypts; every key decrypts, so a new key can be put first and the old one kept a while."""
    return _fernet(tuple(settings.LEADHUB_WEBHOOKS_KEY), settings.SECRET_KEY)


def secret_encrypt(secret: str) -> str:
    return fernet().encrypt(secret.encode()).decode()


def secret_decrypt(token: str) -> str:
    return fernet().decrypt(token.encode()).decode()
