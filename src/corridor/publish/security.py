"""Access to restricted material: bearer tokens with roles, and an audit log of every access.

Everything public is readable without credentials. A dataset whose ``access`` (datasets table) is not
``public`` -- ``restricted``, ``embargoed``, ``unpublished``, ``microdata`` ... -- is served only to a
request carrying ``Authorization: Bearer <token>`` whose token holds the role named like the access
level (or the role ``admin``, which reads everything).

Tokens are never stored: the tokens file (``CORRIDOR_TOKENS``, YAML or JSON) lists the SHA-256 of each
token with a name and roles::

    tokens:
      - name: analyst-unhcr
        sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
        roles: [restricted]

Make a token with ``python -c "import secrets; print(secrets.token_urlsafe(32))"`` and its hash with
``printf %s TOKEN | sha256sum``. Every request that touches restricted material, granted or refused,
is appended to the audit log (``CORRIDOR_AUDIT_LOG``, JSON lines, default ``var/audit.jsonl``):
time (UTC), decision, reason, token name (never the token), client address, method, path, query
string and the dataset ids concerned.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml

from corridor.errors import InputError
from corridor.publish.api.errors import ApiError

PUBLIC = "public"
ADMIN_ROLE = "admin"


@dataclass(frozen=True)
class Principal:
    """Who is asking: a token's name and roles (anonymous: no name, no roles)."""

    name: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def authenticated(self) -> bool:
        return self.name is not None

    def may_read(self, access: str | None) -> bool:
        """Whether this principal may read material of the given access level."""
        level = access or PUBLIC
        return level == PUBLIC or ADMIN_ROLE in self.roles or level in self.roles


ANONYMOUS = Principal()


class TokenStore:
    """SHA-256 token hashes -> :class:`Principal`, read from a YAML or JSON file."""

    def __init__(self, principals: dict[str, Principal] | None = None) -> None:
        self._by_hash = dict(principals or {})

    @classmethod
    def load(cls, path: str | Path | None) -> TokenStore:
        """Read a tokens file (see module docstring); ``None`` means no tokens (public only)."""
        if path is None:
            return cls()
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read the tokens file: {exc}", file=str(path)) from exc
        try:
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError) as exc:
            raise InputError(f"not valid YAML/JSON: {exc}", file=str(path)) from exc
        entries = data.get("tokens") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise InputError("expected a mapping with a list 'tokens' of {name, sha256, roles}",
                             file=str(path))
        principals: dict[str, Principal] = {}
        for i, entry in enumerate(entries, start=1):
            if not isinstance(entry, dict):
                raise InputError(f"token entry {i} is not a mapping", file=str(path))
            digest = str(entry.get("sha256", "")).lower()
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise InputError(f"token entry {i}: 'sha256' must be 64 hex digits (the token's SHA-256, "
                                 "never the token itself)", file=str(path))
            roles = entry.get("roles") or []
            if isinstance(roles, str):
                roles = [roles]
            principals[digest] = Principal(name=str(entry.get("name") or f"token-{i}"),
                                           roles=frozenset(str(r) for r in roles))
        return cls(principals)

    def authenticate(self, authorization: str | None) -> Principal:
        """The principal for an ``Authorization`` header; 401 for a malformed or unknown token."""
        if not authorization:
            return ANONYMOUS
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "Authorization must be 'Bearer <token>'",
                           headers={"WWW-Authenticate": 'Bearer realm="corridor"'})
        digest = hashlib.sha256(token.strip().encode("utf-8")).hexdigest()
        for known, principal in self._by_hash.items():
            if hmac.compare_digest(known, digest):
                return principal
        raise ApiError(401, "unknown or revoked bearer token",
                       headers={"WWW-Authenticate": 'Bearer realm="corridor", error="invalid_token"'})


class AuditLog:
    """Append-only JSON-lines log of accesses to restricted material (thread-safe)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def record(self, *, decision: str, reason: str, principal: Principal, client: str | None, method: str,
               path: str, query: str, datasets: list[str]) -> None:
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "decision": decision, "reason": reason, "token": principal.name,
            "roles": sorted(principal.roles), "client": client, "method": method, "path": path,
            "query": query, "datasets": sorted(set(datasets)),
        }
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())


def default_tokens_file() -> str | None:
    return os.environ.get("CORRIDOR_TOKENS") or None


def default_audit_log() -> Path:
    return Path(os.environ.get("CORRIDOR_AUDIT_LOG", "var/audit.jsonl"))
