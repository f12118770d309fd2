"""``/labour-exchange/me``: a worker's own page in the labour mobility exchange (issue 12, item 6).

What it shows, to the signed-in worker only: their profile (occupations, skills, languages, credentials
with their recognition, work record, destination preferences, consent; name and contact from the sealed
record), their matches with the explanation of each (every eligibility rule with its reason, the score's
parts, their rank of the vacancy and the tie-break), the offers among them, and the conditions the
bilateral agreement guarantees (entry, stay, work and return; the employer's duties; who pays which cost).
It never shows the country of residence nor anything of where the worker is.

Sign-in (:mod:`corridor.exchange.sessions`): a POST form with the worker's token (never in a URL);
the answer is an ``HttpOnly``, ``SameSite=Strict`` session cookie limited to this path. Every read goes
through :class:`~corridor.exchange.registry.Registry`, which audits it; a token of another role, an
unknown token, and a forged or expired cookie are refused, and the first two are audited as refusals.
POSTs from another origin are refused (``Origin`` checked as well as ``SameSite``). Responses are
``Cache-Control: no-store``; the HTTP cache of ``corridor serve`` leaves this path alone.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from corridor.errors import CorridorError
from corridor.exchange.access import AccessDenied, Principal, deny
from corridor.exchange.fee_rules import ilo_rules
from corridor.exchange.ledger import Ledger
from corridor.exchange.registry import Registry
from corridor.exchange.sessions import COOKIE, COOKIE_PATH, SESSION_SECONDS, SessionSigner, token_hash
from corridor.exchange.worker_view import worker_view
from corridor.reference.codes import codes

from ..areas import area_name
from ..rendering import render

router = APIRouter()
#: no-store; the address is never sent to another site (``same-origin``: with ``no-referrer`` a browser
#: posts the sign-in form with ``Origin: null``, which the origin check refuses); never in a frame
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"}
#: a worker's own record, as the page shows it: never the country of residence
HIDDEN = ("residence", "pes_id", "personal")


def _private(response: Response) -> Response:
    response.headers.update(PRIVATE)
    return response


def _exchange(request: Request) -> tuple[Registry | None, dict[str, Principal]]:
    state = request.app.state
    return getattr(state, "exchange_registry", None), getattr(state, "exchange_tokens", {})


def _signer(request: Request) -> SessionSigner:
    state = request.app.state
    if getattr(state, "exchange_signer", None) is None:
        state.exchange_signer = SessionSigner()
    return state.exchange_signer


def _page(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    return _private(render(request, template, status_code=status_code, **context))


def _unavailable(request: Request) -> Response:
    return _page(request, "error.html", status_code=503, title="The exchange is not open on this server",
                 message="This server has no labour mobility exchange registry (CORRIDOR_EXCHANGE_DB).")


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def _refuse(reg: Registry, who: Principal, reason: str) -> None:
    """Audit a refused sign-in (committed on its own)."""
    with reg.sessions() as s:
        deny(s, who, "sign-in", "worker_page", who.subject_id, reason)


def _isco_label(isco: str | None) -> str:
    groups = codes("ISCO08")
    return groups.get((isco or "")[:2]) or groups.get((isco or "")[:1]) or ""


def _placement_view(p: dict[str, Any]) -> dict[str, Any]:
    vac, ag = p["vacancy"], p["agreement"] or {}
    explanation = p.get("explanation") or {}
    score = explanation.get("score") or {}
    return {
        "id": p["id"], "status": p["status"], "score": p.get("score"), "reason": p.get("reason"),
        "shared": p.get("shared_with_employer"), "proposed_at": p.get("proposed_at"),
        "vacancy": {**vac, "destination_name": area_name(vac["destination"]), "isco_label": _isco_label(vac["isco"])},
        "agreement": {**ag, "origin_name": area_name(ag["origin"]) if ag else "",
                      "destination_name": area_name(ag["destination"]) if ag else ""},
        "rules": explanation.get("rules", []),
        "parts": {k: v for k, v in score.items() if k not in ("employer", "worker", "total")},
        "scores": {k: score.get(k) for k in ("employer", "worker", "total")},
        "assignment": explanation.get("assignment", {}),
        "events": p.get("events", []),
    }


def _session(request: Request) -> tuple[Registry, Principal] | Response:
    """The registry and the signed-in worker, or the page to answer instead (no registry; sign-in)."""
    reg, tokens = _exchange(request)
    if reg is None:
        return _unavailable(request)
    who = _signer(request).principal(request.cookies.get(COOKIE), tokens)
    if who is None:
        return _page(request, "exchange_signin.html", message=None)
    return reg, who


@router.get("/labour-exchange/me", name="exchange_me")
def worker_page(request: Request) -> Response:
    session = _session(request)
    if isinstance(session, Response):
        return session
    reg, who = session
    try:
        record = reg.jobseeker(who, who.subject_id)  # audited
        placements = [_placement_view(p) for p in reg.placements_of(who, who.subject_id)]  # audited
    except AccessDenied as exc:
        return _page(request, "error.html", status_code=403, title="Not allowed", message=str(exc))
    personal = record.get("personal") or {}
    profile = {k: v for k, v in record.items() if k not in HIDDEN}
    return _page(request, "exchange_worker.html", profile=profile, personal=personal,
                 origin_name=area_name(record["origin"]), isco_label=_isco_label(record.get("isco")),
                 preferences=[(c, area_name(c)) for c in record.get("preferences") or []],
                 placements=placements, offers=[p for p in placements if p["status"] == "offered"],
                 synthetic="SYNTHETIC" in str(personal.get("name", "")))


@router.post("/labour-exchange/me/sign-in", name="exchange_sign_in")
async def sign_in(request: Request) -> Response:
    reg, tokens = _exchange(request)
    if reg is None:
        return _unavailable(request)
    if not _same_origin(request):
        return _page(request, "error.html", status_code=403, title="Refused", message="a sign-in from another site")
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("token") or [""])[0].strip()
    sha = token_hash(token)
    who = tokens.get(sha) if token else None
    if who is None:
        _refuse(reg, Principal("public"), "unknown token")
        return _page(request, "exchange_signin.html", status_code=401, message="This token is not known.")
    if who.role != "worker":
        _refuse(reg, who, "the worker's page is for workers only")
        return _page(request, "exchange_signin.html", status_code=403,
                     message=f"This page is for workers; {who.role} tokens cannot sign in here.")
    try:
        cookie = _signer(request).issue(sha)
    except CorridorError as exc:
        return _page(request, "error.html", status_code=503, title="Sign-in unavailable", message=str(exc))
    response = _private(RedirectResponse("/labour-exchange/me", status_code=303))
    response.set_cookie(COOKIE, cookie, max_age=SESSION_SECONDS, path=COOKIE_PATH, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")
    return response


@router.post("/labour-exchange/me/sign-out", name="exchange_sign_out")
def sign_out(request: Request) -> Response:
    response = _private(RedirectResponse("/labour-exchange/me", status_code=303))
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
    return response


@router.post("/labour-exchange/me/share/{placement_id}", name="exchange_share")
def share(request: Request, placement_id: int) -> Response:
    """The worker consents to show their profile to the employer of one of their placements."""
    reg, tokens = _exchange(request)
    if reg is None:
        return _unavailable(request)
    who = _signer(request).principal(request.cookies.get(COOKIE), tokens)
    if who is None or not _same_origin(request):
        return _page(request, "exchange_signin.html", status_code=401, message="Please sign in again.")
    try:
        reg.share_with_employer(who, placement_id)
    except AccessDenied as exc:
        return _page(request, "error.html", status_code=403, title="Not allowed", message=str(exc))
    return _private(RedirectResponse(f"/labour-exchange/me#placement-{placement_id}", status_code=303))


@router.get("/labour-exchange/me/ledger", name="exchange_me_ledger")
def my_ledger(request: Request) -> Response:
    """The signed-in worker's fee ledger, violations, what they are owed and their social-security
    periods (issue 13), from the same session as their exchange page."""
    session = _session(request)
    if isinstance(session, Response):
        return session
    reg, who = session
    ledger = Ledger(reg, getattr(request.app.state, "fee_rules", None))
    try:
        view = worker_view(ledger, who, who.subject_id)  # audited
    except AccessDenied as exc:
        return _page(request, "error.html", status_code=403, title="Not allowed", message=str(exc))
    names = {c: spec["name"] for c, spec in ilo_rules().categories.items()}
    return _page(request, "worker_ledger.html", view=view, names=names, worker=who.subject_id, denied=None)
