"""A worker's page session cookie (corridor.exchange.sessions): signed, expiring, revocable, workers only."""

from __future__ import annotations

from cryptography.fernet import Fernet

from corridor.exchange.access import Principal
from corridor.exchange.sessions import SESSION_SECONDS, SessionSigner, token_hash

NOW = 1_800_000_000.0


def _tokens() -> dict[str, Principal]:
    return {token_hash("worker-token"): Principal("worker", 7), token_hash("employer-token"): Principal("employer", 2)}


def test_a_cookie_signs_in_its_worker_until_it_expires() -> None:
    signer = SessionSigner(Fernet.generate_key())
    cookie = signer.issue(token_hash("worker-token"), now=NOW)
    assert "worker-token" not in cookie  # the token itself is never in the cookie
    assert signer.principal(cookie, _tokens(), now=NOW + 60) == Principal("worker", 7)
    assert signer.principal(cookie, _tokens(), now=NOW + SESSION_SECONDS + 1) is None


def test_forged_foreign_revoked_and_non_worker_cookies_are_refused() -> None:
    key = Fernet.generate_key()
    signer = SessionSigner(key)
    cookie = signer.issue(token_hash("worker-token"), now=NOW)
    sha, expiry, mac = cookie.split(".")
    assert signer.principal(f"{sha}.{int(expiry) + 3600}.{mac}", _tokens(), now=NOW) is None  # longer life
    assert signer.principal(f"{token_hash('other')}.{expiry}.{mac}", _tokens(), now=NOW) is None  # other token
    assert signer.principal(cookie, _tokens(), now=NOW) is not None
    assert SessionSigner(Fernet.generate_key()).principal(cookie, _tokens(), now=NOW) is None  # another key
    revoked = {k: v for k, v in _tokens().items() if v.role != "worker"}
    assert signer.principal(cookie, revoked, now=NOW) is None  # token taken out of the file
    employer = signer.issue(token_hash("employer-token"), now=NOW)
    assert signer.principal(employer, _tokens(), now=NOW) is None  # the page is for workers only
    for junk in (None, "", "a.b", "x.y.z.w", f"{sha}.soon.{mac}"):
        assert signer.principal(junk, _tokens(), now=NOW) is None
