"""Encryption at rest of personal fields (AES-256-GCM from ``cryptography``, a fresh 96-bit nonce per record).

The key is kept outside the database: ``CORRIDOR_EXCHANGE_KEY`` (urlsafe base64 of 32 random bytes,
the format of ``Fernet.generate_key()``) or the file named by ``CORRIDOR_EXCHANGE_KEY_FILE`` (default
``var/exchange.key``), which
:func:`create_key_file` writes with mode 0600. Without a key nothing personal can be written or read:
the registry refuses to open rather than store personal data in clear. Each personal record is one
token (JSON of its fields; token = urlsafe base64 of nonce + ciphertext + tag, authenticated with the
associated data ``corridor-exchange-v1``), so the database never holds a name, a contact or a birth
date in clear, and a token altered or moved under another key does not open.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from corridor.errors import CorridorError

KEY_ENV = "CORRIDOR_EXCHANGE_KEY"
KEY_FILE_ENV = "CORRIDOR_EXCHANGE_KEY_FILE"
DEFAULT_KEY_FILE = Path("var/exchange.key")


class KeyError_(CorridorError):
    """No usable encryption key (or a token that this key cannot open)."""


def key_file() -> Path:
    """Where the key file is looked for (``CORRIDOR_EXCHANGE_KEY_FILE`` or ``var/exchange.key``)."""
    return Path(os.environ.get(KEY_FILE_ENV, DEFAULT_KEY_FILE))


def create_key_file(path: Path | None = None) -> Path:
    """Write a new random key to ``path`` (mode 0600); an existing key file is never overwritten."""
    path = path or key_file()
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(base64.urlsafe_b64encode(os.urandom(32)))
    return path


def load_key() -> bytes:
    """The key from ``CORRIDOR_EXCHANGE_KEY``, else from the key file; none is an error."""
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode()
    path = key_file()
    if not path.exists():
        raise KeyError_(f"no exchange encryption key: set {KEY_ENV} or create {path} "
                        "(`corridor exchange init` writes one)")
    return path.read_bytes().strip()


AAD = b"corridor-exchange-v1"


class Cipher:
    """Encrypts and decrypts personal records (dicts) as AES-256-GCM tokens."""

    def __init__(self, key: bytes | None = None) -> None:
        raw = base64.urlsafe_b64decode(key or load_key())
        if len(raw) != 32:
            raise KeyError_("the exchange key must be 32 bytes (urlsafe base64)")
        self._aead = AESGCM(raw)

    def seal(self, record: dict[str, Any] | None) -> str | None:
        """The token of a personal record (None stays None)."""
        if record is None:
            return None
        nonce = os.urandom(12)
        data = json.dumps(record, sort_keys=True, default=str).encode()
        return base64.urlsafe_b64encode(nonce + self._aead.encrypt(nonce, data, AAD)).decode()

    def open(self, token: str | None) -> dict[str, Any] | None:
        """The personal record of a token; a token of another key (or altered) is an error, not garbage."""
        if token is None:
            return None
        raw = base64.urlsafe_b64decode(token.encode())
        try:
            return json.loads(self._aead.decrypt(raw[:12], raw[12:], AAD))
        except InvalidTag:
            raise KeyError_("a personal record cannot be decrypted with this key") from None
