"""The fair-recruitment part of the exchange's JSON API (mounted beside :data:`corridor.exchange.api.router`).

``GET /exchange/ledger/{jobseeker_id}``: a worker's ledger with its history, violations and what they are
owed -- for the worker, their public employment service and the auditor only (403 for anyone else; every
read and refusal audited by :class:`~corridor.exchange.ledger.Ledger`). ``GET /exchange/recruiters/{id}``:
a recruiter's licences with their status history, certifications, complaints and placements (public: it
holds no personal data). SDG 10.7.1 itself is a warehouse dataflow served by the main API
(``/data/SDG_10_7_1/...``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from corridor.exchange.access import Principal
from corridor.exchange.api import _call, principal
from corridor.exchange.ledger import Ledger
from corridor.exchange.recruiters import Recruiters

router = APIRouter(prefix="/exchange", tags=["fair recruitment"])


def _ledger(request: Request) -> Ledger:
    rules = getattr(request.app.state, "fee_rules", None)
    return Ledger(request.app.state.exchange_registry, rules)


@router.get("/ledger/{jobseeker_id}", summary="A worker's fee ledger, violations and what they are owed")
def get_ledger(jobseeker_id: int, request: Request, who: Principal = Depends(principal)) -> dict:
    return _call(_ledger(request).statement, who, jobseeker_id)


@router.get("/recruiters/{recruiter_id}", summary="A recruiter: licences with status history, certifications")
def get_recruiter(recruiter_id: int, request: Request) -> dict:
    return _call(Recruiters(request.app.state.exchange_registry).profile, recruiter_id)
