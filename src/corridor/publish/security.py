"""Access to restricted material: bearer tokens with roles, and an audit log of every access.

Everything public is readable without credentials. A dataset whose ``access`` (datasets table) is not
``public`` -- ``restricted``, ``embargoed``, ``unpublished``, ``microdata`` ... -- is served only to a
request carrying ``Authorization: Bearer <token>`` whose token holds the role named like the access
level (or the role ``admin``, which reads everything).

Tokens are never stored: the tokens file (``CORRIDOR_TOKENS``, YAML or JSON) lists the SHA-256 of each
token with a name and roles, and optionally when it expires and whether it is revoked or disabled::

    tokens:
      - name: analyst-unhcr
        sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
        roles: [restricted]
        expires: 2027-06-30T00:00:00Z   # optional; a date alone means 00:00 UTC that day
        revoked: false                  # optional; true (or disabled: true) refuses the token

Make a token with ``python -c "import secrets; print(secrets.token_urlsafe(32))"`` and its hash with
``printf %s TOKEN | sha256sum``. The file is read again, without a restart, when its modification
time, size or inode changes (looked at most once a second, :data:`RELOAD_SECONDS`); a file that has
become unreadable or invalid refuses every token until it is fixed (fail closed), and says why in the
server log. An expired, revoked, disabled or unknown token gets the same 401 answer.

Every request that touches restricted material, granted or refused, and every refused token, is
appended to the audit log (``CORRIDOR_AUDIT_LOG``, JSON lines, default ``var/audit.jsonl``): time (UTC),
decision, reason, token name (never the token), client address, method (HEAD as HEAD), path, query
string and the dataset ids concerned. The log is opened for appending when the service starts
(:meth:`AuditLog.check`): a log that cannot be written stops the start with a message naming the file.
A client that sends :data:`MAX_FAILURES` bad tokens within :data:`FAILURE_WINDOW` seconds gets 429 on
its token-bearing requests until the window has passed (:class:`FailureLimiter`; OWASP Authentication
Cheat Sheet, "Protect against automated attacks").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

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


#: Seconds between two looks at the tokens file's modification time.
RELOAD_SECONDS = 1.0
#: Bad tokens a client may send within :data:`FAILURE_WINDOW` seconds before it gets 429.
MAX_FAILURES = 10
FAILURE_WINDOW = 60.0
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="corridor", error="invalid_token"'}

log = logging.getLogger("corridor.serve")


def _moment(value: object, where: str) -> datetime | None:
    """``expires`` as an aware UTC datetime (a date alone: 00:00 UTC that day)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise InputError(f"{where}: 'expires' is not an ISO 8601 date or time: {value!r}") from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _flag(value: object, name: str, where: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    raise InputError(f"{where}: {name!r} must be true or false, not {value!r}")


@dataclass(frozen=True)
class TokenEntry:
    """One token of the tokens file: who it is, and until when (and whether) it may be used."""

    principal: Principal
    expires: datetime | None = None
    revoked: bool = False

    def usable(self, now: datetime) -> bool:
        return not self.revoked and (self.expires is None or now < self.expires)


def parse_tokens(text: str, path: Path) -> dict[str, TokenEntry]:
    """The entries of a tokens file's text (see the module docstring), by SHA-256 hex digest."""
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise InputError(f"not valid YAML/JSON: {exc}", file=str(path)) from exc
    entries = data.get("tokens") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise InputError("expected a mapping with a list 'tokens' of {name, sha256, roles}", file=str(path))
    out: dict[str, TokenEntry] = {}
    for i, entry in enumerate(entries, start=1):
        where = f"{path}: token entry {i}"
        if not isinstance(entry, dict):
            raise InputError(f"token entry {i} is not a mapping", file=str(path))
        digest = str(entry.get("sha256", "")).lower()
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise InputError(f"token entry {i}: 'sha256' must be 64 hex digits (the token's SHA-256, "
                             "never the token itself)", file=str(path))
        roles = entry.get("roles") or []
        if isinstance(roles, str):
            roles = [roles]
        principal = Principal(name=str(entry.get("name") or f"token-{i}"), roles=frozenset(str(r) for r in roles))
        revoked = _flag(entry.get("revoked"), "revoked", where) or _flag(entry.get("disabled"), "disabled", where)
        out[digest] = TokenEntry(principal, _moment(entry.get("expires"), where), revoked)
    return out


class TokenStore:
    """SHA-256 token hashes -> :class:`TokenEntry`, read from a YAML or JSON file and re-read when the
    file changes (see the module docstring)."""

    def __init__(self, entries: dict[str, TokenEntry] | None = None, *, path: Path | None = None) -> None:
        self._by_hash = dict(entries or {})
        self.path = path
        self._seen = self._stat()
        self._looked = time.monotonic()
        self._lock = threading.Lock()
        self.limiter = FailureLimiter()

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
        return cls(parse_tokens(text, path), path=path)

    def _stat(self) -> tuple[int, int, int] | None:
        if self.path is None:
            return None
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_ino, st.st_size, st.st_mtime_ns

    def reload_if_changed(self, *, force: bool = False) -> bool:
        """Read the file again if it changed since the last look; True if it was read."""
        if self.path is None:
            return False
        now = time.monotonic()
        if not force and now - self._looked < RELOAD_SECONDS:
            return False
        with self._lock:
            self._looked = now
            seen = self._stat()
            if seen == self._seen and not force:
                return False
            self._seen = seen
            try:
                entries = parse_tokens(self.path.read_text(encoding="utf-8"), self.path)
            except (OSError, InputError) as exc:
                log.error("tokens file %s cannot be used, every token is refused until it is fixed: %s",
                          self.path, exc)
                entries = {}
            self._by_hash = entries
            log.info("tokens file %s read again: %d token(s)", self.path, len(entries))
            return True

    def authenticate(self, authorization: str | None) -> Principal:
        """The principal for an ``Authorization`` header; 401 for a malformed, unknown, expired,
        revoked or disabled token (one answer for all)."""
        if not authorization:
            return ANONYMOUS
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "Authorization must be 'Bearer <token>'",
                           headers={"WWW-Authenticate": 'Bearer realm="corridor"'})
        self.reload_if_changed()
        digest = hashlib.sha256(token.strip().encode("utf-8")).hexdigest()
        now = datetime.now(UTC)
        found: TokenEntry | None = None
        for known, entry in self._by_hash.items():
            if hmac.compare_digest(known, digest):
                found = entry
        if found is None or not found.usable(now):
            raise ApiError(401, "unknown, expired or revoked bearer token", headers=_CHALLENGE)
        return found.principal


class FailureLimiter:
    """Bad-token attempts per client address in a sliding window (thread-safe)."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = FAILURE_WINDOW) -> None:
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.setdefault(client, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def retry_after(self, client: str) -> int:
        """Seconds ``client`` must wait before sending a token again (0: it may now)."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(client, now)
            if len(times) < self.max_failures:
                if not times:
                    self._failures.pop(client, None)
                return 0
            return max(1, int(self.window - (now - times[0])) + 1)

    def failed(self, client: str) -> None:
        """Count one bad token from ``client``."""
        now = time.monotonic()
        with self._lock:
            self._recent(client, now).append(now)
            if len(self._failures) > 100_000:  # bounded: forget the oldest clients first
                for stale in list(self._failures)[:10_000]:
                    del self._failures[stale]


class AuditLog:
    """Append-only JSON-lines log of accesses to restricted material (thread-safe)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def check(self) -> None:
        """Open the log for appending now (creating its folder): a log that cannot be written stops
        the service's start with a message naming the file, instead of failing on the first access."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8"):
                pass
        except OSError as exc:
            raise InputError(f"the audit log cannot be written ({exc.strerror or exc}); the service does not "
                             "start without it: give --audit-log (or CORRIDOR_AUDIT_LOG) a writable file",
                             file=str(self.path)) from exc

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


#: Content-Security-Policy of HTML pages: everything from this server only (no CDN; the portal's assets
#: are served under /static). ``'unsafe-eval'``: Vega compiles its expressions with ``Function``;
#: ``'unsafe-inline'`` styles: Vega-Embed and a few templates set style attributes. No inline script runs
#: (the chart specs are ``application/json`` script blocks, data, not code).
PAGE_CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
#: Content-Security-Policy of everything else (data, structures, errors): nothing may run or load.
DATA_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
#: Headers on every response (OWASP HTTP Headers Cheat Sheet).
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
)


class SecurityHeaders:
    """Add :data:`SECURITY_HEADERS` and a Content-Security-Policy (:data:`PAGE_CSP` for HTML,
    :data:`DATA_CSP` otherwise) to every HTTP response (pure ASGI, so cached and streamed answers
    get them too)."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                html = any(name.lower() == b"content-type" and value.startswith(b"text/html")
                           for name, value in headers)
                csp = (b"content-security-policy", (PAGE_CSP if html else DATA_CSP).encode())
                headers += [h for h in (*SECURITY_HEADERS, csp) if h[0] not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def default_tokens_file() -> str | None:
    return os.environ.get("CORRIDOR_TOKENS") or None


def default_audit_log() -> Path:
    return Path(os.environ.get("CORRIDOR_AUDIT_LOG", "var/audit.jsonl"))
