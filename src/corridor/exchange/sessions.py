"""A worker's sign-in to their own page: a signed, expiring session cookie, never the token itself.

The worker signs in by POSTing their bearer token (the one the exchange's JSON API takes) in a form:
never in a URL, so it is in no log, history or ``Referer``. The server answers with a cookie

    ``<sha256 of the token>.<expiry, unix seconds>.<HMAC-SHA256 of both>``

set ``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no other site's page can make the browser
send it: cross-site request forgery of the page's POST actions fails), ``Path=/labour-exchange/me``
(sent to the worker's page only) and ``Secure`` when the request came over HTTPS. The MAC key is
derived from the exchange's encryption key (HMAC of a fixed label), which is kept outside the
database; the cookie is stateless, so every ``corridor serve --workers N`` process accepts it.

On each request the cookie is checked: the MAC (constant-time compare), the expiry (``SESSION_SECONDS``,
30 minutes), and that the token it names is *still* in the tokens file with the worker role: taking a
token out of the file ends its sessions at once. The hash of a token is not the token: it does not open
the JSON API.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from corridor.exchange.access import Principal
from corridor.exchange.crypto import load_key

COOKIE = "corridor_exchange_session"
COOKIE_PATH = "/labour-exchange/me"
SESSION_SECONDS = 30 * 60
_LABEL = b"corridor-exchange-portal-session-v1"


def token_hash(token: str) -> str:
    """The SHA-256 of a bearer token (the form the tokens file keeps)."""
    return hashlib.sha256(token.encode()).hexdigest()


class SessionSigner:
    """Issues and checks session cookies (module docstring)."""

    def __init__(self, key: bytes | None = None) -> None:
        raw = base64.urlsafe_b64decode(key or load_key())
        self._secret = hmac.new(raw, _LABEL, hashlib.sha256).digest()

    def _mac(self, payload: str) -> str:
        return hmac.new(self._secret, payload.encode(), hashlib.sha256).hexdigest()

    def issue(self, sha: str, now: float | None = None) -> str:
        """The cookie value for the token whose SHA-256 is ``sha``."""
        payload = f"{sha}.{int((now or time.time()) + SESSION_SECONDS)}"
        return f"{payload}.{self._mac(payload)}"

    def principal(self, cookie: str | None, tokens: dict[str, Principal], now: float | None = None) -> Principal | None:
        """The worker a cookie signs in, or None (absent, forged, expired, token revoked, not a worker)."""
        if not cookie or cookie.count(".") != 2:
            return None
        sha, expiry, mac = cookie.split(".")
        if not hmac.compare_digest(mac, self._mac(f"{sha}.{expiry}")):
            return None
        if not expiry.isdigit() or int(expiry) < (now or time.time()):
            return None
        who = tokens.get(sha)
        return who if who is not None and who.role == "worker" else None
