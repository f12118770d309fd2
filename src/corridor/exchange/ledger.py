"""The per-worker fee ledger: every charge of a worker's recruitment, append-only, with its violations.

Each entry records the ILO 2019 category, origin or destination side, the jurisdiction charging it, who
paid and who received it, the amount in its currency with the US dollar rate used and that rate's date
and source, the date of the charge, and evidence (sealed with :mod:`corridor.exchange.crypto`).
**Append-only**: :meth:`Ledger.correct` writes a new entry whose ``corrects_id`` names the one it
replaces (``void=True`` withdraws it); no entry is ever updated or deleted, so the history of a worker's
ledger can always be shown (:meth:`Ledger.statement` lists it).

Who sees a worker's ledger, its violations and what the worker is owed (issue 13): the worker, the
public employment service of the worker's country (:func:`corridor.exchange.access.may_read_jobseeker`'s
PES rule) and the auditor -- no one else, not the employer nor a recruiter. Every read is audited, and
so is every refusal (:mod:`corridor.exchange.access`). Who may write: the worker (their own charges),
their PES, or the system (a bulk load); an employer or auditor may not.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor.errors import InputError
from corridor.exchange.access import Principal, audit, deny, may_read_jobseeker, now
from corridor.exchange.fee_rules import PAYERS, SIDES, FeeRules, effective_entries, flag_entries, ilo_rules
from corridor.exchange.models import Jobseeker, Placement, Vacancy
from corridor.exchange.models_recruitment import FirstEarnings, LedgerEntry
from corridor.exchange.registry import SYSTEM, Registry, snapshot
from corridor.exchange.sdg1071 import per_worker, summarise

MONEY = ("amount", "currency", "usd_rate", "rate_date", "rate_source")
REQUIRED = ("category", "side", "jurisdiction", "payer", "payee", *MONEY, "on")
OPTIONAL = ("placement_id", "agreement_id", "recruiter_id")


def _may_see_ledger(s: Session, who: Principal, js: Jobseeker) -> str | None:
    """The ledger rule: worker (own), their PES, auditor."""
    if who.role in ("worker", "pes", "auditor"):
        return may_read_jobseeker(s, who, js)
    return "a worker's fee ledger is shown to the worker, their employment service and the auditor only"


def _check_money(fields: dict[str, Any], where: str) -> None:
    if not isinstance(fields.get("amount"), int | float) or fields["amount"] < 0:
        raise InputError(f"{where}: amount must be a number >= 0 (a refund corrects the entry)", column="amount")
    if not isinstance(fields.get("usd_rate"), int | float) or fields["usd_rate"] <= 0:
        raise InputError(f"{where}: usd_rate (US dollars per unit of {fields.get('currency')}) must be > 0",
                         column="usd_rate")
    if not isinstance(fields.get("rate_date"), date) or not fields.get("rate_source"):
        raise InputError(f"{where}: a conversion needs its rate_date and rate_source", column="rate_date")


class Ledger:
    """The fee ledger on a :class:`~corridor.exchange.registry.Registry` (module docstring)."""

    def __init__(self, registry: Registry, rules: FeeRules | None = None) -> None:
        self.registry = registry
        self.rules = rules or ilo_rules()

    def _writer(self, s: Session, who: Principal | str, jobseeker_id: int, action: str) -> str:
        js = self.registry._get(s, Jobseeker, jobseeker_id)
        if isinstance(who, str):
            return who
        why = None
        if who.role not in ("worker", "pes"):
            why = f"the {who.role} role does not write a worker's ledger"
        else:
            why = may_read_jobseeker(s, who, js)
        if why:
            raise deny(s, who, action, "ledger_entry", jobseeker_id, why)
        return who.label

    def _validated(self, fields: dict[str, Any], where: str) -> dict[str, Any]:
        missing = [k for k in REQUIRED if fields.get(k) in (None, "")]
        unknown = set(fields) - set(REQUIRED) - set(OPTIONAL) - {"evidence"}
        if missing or unknown:
            raise InputError(f"{where}: " + (f"missing {missing}" if missing else f"unknown fields {sorted(unknown)}"))
        for column, allowed in (("category", set(self.rules.categories)), ("payer", set(PAYERS)),
                                ("side", set(SIDES))):
            if fields[column] not in allowed:
                raise InputError(f"{where}: {column} {fields[column]!r} is not one of {sorted(allowed)}",
                                 column=column)
        _check_money(fields, where)
        return fields

    def record(self, who: Principal | str, jobseeker_id: int, **fields: Any) -> int:
        """Append one charge to a worker's ledger; ``evidence`` (a dict) is sealed. Returns its id."""
        fields = self._validated(dict(fields), f"ledger entry for worker {jobseeker_id}")
        evidence = self.registry.cipher.seal(fields.pop("evidence", None))
        with self.registry.sessions() as s:
            actor = self._writer(s, who, jobseeker_id, "record")
            row = self.registry._insert(s, actor, LedgerEntry(
                jobseeker_id=jobseeker_id, evidence=evidence, void=False, actor=actor, recorded_at=now(), **fields))
            s.commit()
            return row.id

    def correct(self, who: Principal | str, entry_id: int, void: bool = False, **changes: Any) -> int:
        """A new entry replacing ``entry_id`` (its fields with ``changes``), or withdrawing it (``void``)."""
        with self.registry.sessions() as s:
            old = self.registry._get(s, LedgerEntry, entry_id)
            if s.scalar(select(LedgerEntry.id).where(LedgerEntry.corrects_id == entry_id).limit(1)) is not None:
                raise InputError(f"ledger entry {entry_id} was already corrected: correct its latest correction")
            fields = {k: getattr(old, k) for k in (*REQUIRED, *OPTIONAL)}
            evidence = old.evidence
            if "evidence" in changes:
                evidence = self.registry.cipher.seal(changes.pop("evidence"))
            fields.update(changes)
            fields = self._validated(fields, f"correction of ledger entry {entry_id}")
            actor = self._writer(s, who, old.jobseeker_id, "correct")
            row = self.registry._insert(s, actor, LedgerEntry(
                jobseeker_id=old.jobseeker_id, evidence=evidence, corrects_id=entry_id, void=void, actor=actor,
                recorded_at=now(), **fields))
            s.commit()
            return row.id

    def record_earnings(self, jobseeker_id: int, month: date, amount: float, currency: str, usd_rate: float,
                        rate_date: date, rate_source: str, placement_id: int | None = None,
                        actor: str = SYSTEM) -> int:
        """First-month earnings in the first job at the destination (SDG 10.7.1's denominator)."""
        fields = {"amount": amount, "currency": currency, "usd_rate": usd_rate, "rate_date": rate_date,
                  "rate_source": rate_source}
        _check_money(fields, f"first-month earnings of worker {jobseeker_id}")
        with self.registry.sessions() as s:
            self.registry._get(s, Jobseeker, jobseeker_id)
            row = self.registry._insert(s, actor, FirstEarnings(
                jobseeker_id=jobseeker_id, placement_id=placement_id, month=month, recorded_at=now(), **fields))
            s.commit()
            return row.id

    def append_many(self, kind: str, rows: list[tuple[int, dict[str, Any]]], actor: str) -> list[int]:
        """A bulk load (``kind`` ledger or earnings) in one transaction: every row is checked first and a
        bad row (naming it) leaves the registry unchanged."""
        checked = []
        for i, (worker, fields) in enumerate(rows, start=1):
            where = f"{kind} row {i} (worker {worker})"
            if kind == "ledger":
                fields = self._validated(dict(fields), where)
                evidence = self.registry.cipher.seal(fields.pop("evidence", None))
                checked.append(LedgerEntry(jobseeker_id=worker, evidence=evidence, void=False, actor=actor,
                                           recorded_at=now(), **fields))
            else:
                _check_money(fields, where)
                checked.append(FirstEarnings(jobseeker_id=worker, recorded_at=now(), **fields))
        with self.registry.sessions() as s:
            known = set(s.scalars(select(Jobseeker.id).where(Jobseeker.id.in_({w for w, _ in rows}))))
            if unknown := sorted({w for w, _ in rows} - known):
                raise InputError(f"{kind}: no jobseeker {unknown[:10]}: nothing was appended")
            ids = [self.registry._insert(s, actor, obj).id for obj in checked]
            s.commit()
        return ids

    # -- reading ---------------------------------------------------------------------------------
    def frame(self, jobseeker_id: int | None = None) -> pd.DataFrame:
        """Every entry (all history; no evidence) with the worker's origin, as :func:`flag_entries` wants.

        For statistics and flags inside the exchange; a person's view goes through :meth:`statement`."""
        q = select(LedgerEntry, Jobseeker.origin).join(Jobseeker, Jobseeker.id == LedgerEntry.jobseeker_id)
        if jobseeker_id is not None:
            q = q.where(LedgerEntry.jobseeker_id == jobseeker_id)
        rows = []
        with self.registry.sessions() as s:
            for e, origin in s.execute(q.order_by(LedgerEntry.id)):
                rows.append({"entry_id": e.id, "worker": e.jobseeker_id, "origin": origin,
                             "agreement": "" if e.agreement_id is None else str(e.agreement_id),
                             "placement_id": e.placement_id, "recruiter_id": e.recruiter_id,
                             "category": e.category, "side": e.side, "jurisdiction": e.jurisdiction,
                             "payer": e.payer, "payee": e.payee, "amount": e.amount, "currency": e.currency,
                             "usd_rate": e.usd_rate, "rate_date": e.rate_date, "rate_source": e.rate_source,
                             "amount_usd": round(e.amount * e.usd_rate, 2), "on": e.on,
                             "corrects_id": e.corrects_id, "void": e.void, "recorded_at": e.recorded_at})
        columns = ["entry_id", "worker", "origin", "agreement", "placement_id", "recruiter_id", "category", "side",
                   "jurisdiction", "payer", "payee", "amount", "currency", "usd_rate", "rate_date", "rate_source",
                   "amount_usd", "on", "corrects_id", "void", "recorded_at"]
        return pd.DataFrame(rows, columns=columns)

    def earnings_frame(self) -> pd.DataFrame:
        """First-month earnings per worker (the earliest month recorded), in US dollars with the rate used."""
        with self.registry.sessions() as s:
            rows = [snapshot(e) for e in s.scalars(select(FirstEarnings).order_by(FirstEarnings.month,
                                                                                  FirstEarnings.id))]
        frame = pd.DataFrame(rows, columns=["id", "jobseeker_id", "placement_id", "month", "amount", "currency",
                                            "usd_rate", "rate_date", "rate_source", "recorded_at"])
        frame = frame.drop_duplicates("jobseeker_id", keep="first")
        return frame.assign(earnings_usd=(frame["amount"] * frame["usd_rate"]).round(2))

    def workers_frame(self) -> pd.DataFrame:
        """Groups of each worker with first-month earnings, for SDG 10.7.1: destination (the vacancy of the
        placement the earnings belong to), origin, ISCO-08 major group and ISIC section of that job.
        The registry holds no sex: ``sex`` is ``_T`` (the ledger's indicator has no sex breakdown)."""
        q = (select(FirstEarnings.jobseeker_id, Jobseeker.origin, Vacancy.destination, Vacancy.isco, Vacancy.sector)
             .join(Jobseeker, Jobseeker.id == FirstEarnings.jobseeker_id)
             .outerjoin(Placement, Placement.id == FirstEarnings.placement_id)
             .outerjoin(Vacancy, Vacancy.id == Placement.vacancy_id))
        with self.registry.sessions() as s:
            rows = s.execute(q).all()
        frame = pd.DataFrame(rows, columns=["worker", "counterpart_area", "ref_area", "isco", "sector"])
        frame = frame.drop_duplicates("worker").dropna(subset=["ref_area"])
        return frame.assign(sex="_T", isco1=frame["isco"].str[0]).drop(columns=["isco"])

    def indicator(self, year: int, min_cell: int = 5) -> pd.DataFrame:
        """SDG 10.7.1 from the ledger for workers whose first month at the destination fell in ``year``."""
        earnings = self.earnings_frame()
        earnings = earnings[pd.to_datetime(earnings["month"]).dt.year == year]
        return summarise(per_worker(effective_entries(self.frame()), earnings, self.workers_frame()),
                         min_cell=min_cell)

    def flags(self) -> pd.DataFrame:
        """The effective ledger of every worker with its flags and what is owed (:func:`flag_entries`)."""
        return flag_entries(effective_entries(self.frame()), self.rules)

    def statement(self, who: Principal, jobseeker_id: int) -> dict[str, Any]:
        """A worker's ledger as they (their PES, the auditor) see it: effective entries with flags, the full
        history (corrections included), evidence opened, what they are owed. Audited; refusals too."""
        with self.registry.sessions() as s:
            js = self.registry._get(s, Jobseeker, jobseeker_id)
            if why := _may_see_ledger(s, who, js):
                raise deny(s, who, "read", "ledger", jobseeker_id, why)
            audit(s, who, "read", "ledger", jobseeker_id, True)
            s.commit()
            tokens = dict(s.execute(select(LedgerEntry.id, LedgerEntry.evidence)
                                    .where(LedgerEntry.jobseeker_id == jobseeker_id)).all())
        history = self.frame(jobseeker_id)
        current = flag_entries(effective_entries(history), self.rules) if len(history) else history.assign(
            group=None, flag=None, owed_usd=0.0)
        plain = current.astype(object).where(current.notna(), None)
        entries = [{**r, "evidence": self.registry.cipher.open(tokens.get(r["entry_id"]))}
                   for r in plain.to_dict("records")]
        return {"worker": jobseeker_id, "entries": entries,
                "history": history.astype(object).where(history.notna(), None).to_dict("records"),
                "violations": [e for e in entries if e["flag"]],
                "owed_usd": round(float(current["owed_usd"].sum()), 2) if len(current) else 0.0,
                "paid_by_worker_usd": round(float(current.loc[current["payer"] == "worker", "amount_usd"].sum()), 2)
                if len(current) else 0.0}
