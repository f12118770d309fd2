"""Step (a) of matching: eligibility rules, each a named check with its reason.

A worker may be matched to a vacancy only if every rule passes:

``consent``       the worker consented to be matched;
``agreement``     the vacancy is posted under a bilateral agreement in force on the run date whose
                  origin is the worker's and whose destination is the vacancy's, covering the
                  vacancy's occupation (ISCO-08 prefix) and sector;
``quota``         the agreement's quota for its period is not exhausted;
``credentials``   every credential the vacancy requires is held and recognised, or recognisable, in
                  the destination;
``languages``     the worker's level (CEFR) in every language the vacancy names is at least the level
                  it asks for;
``occupation``    the worker's ISCO-08 group shares at least the sub-major group (2 digits) with the
                  vacancy's (corridor's addition: a nurse is not proposed to a mine);
``destination``   when the worker listed destinations, the vacancy's is among them.

Immigration or residence status is not, and cannot be, a rule: the exchange never holds it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from corridor.exchange.market import CEFR, AgreementSpec, Market, VacancySpec, WorkerSpec

RULES: tuple[str, ...] = ("consent", "agreement", "quota", "credentials", "languages", "occupation",
                          "destination")
#: Recognition states that let a credential pass.
RECOGNISED = frozenset({"recognised", "recognisable"})


@dataclass(frozen=True)
class RuleResult:
    rule: str
    passed: bool
    detail: str


def _level(code: str | None) -> int:
    return CEFR.index(code) if code in CEFR else -1


def check_agreement(w: WorkerSpec, v: VacancySpec, ag: AgreementSpec | None, market: Market) -> RuleResult:
    if ag is None:
        return RuleResult("agreement", False, "the vacancy is not posted under a bilateral agreement")
    problems = []
    if ag.origin != w.origin:
        problems.append(f"agreement origin {ag.origin} is not the worker's origin {w.origin}")
    if ag.destination != v.destination:
        problems.append(f"agreement destination {ag.destination} is not the vacancy's {v.destination}")
    if ag.occupations and not any(v.isco.startswith(p) for p in ag.occupations):
        problems.append(f"occupation {v.isco} not covered (covers {', '.join(ag.occupations)})")
    if ag.sectors and v.sector not in ag.sectors:
        problems.append(f"sector {v.sector} not covered (covers {', '.join(ag.sectors)})")
    if (ag.valid_from and market.on < ag.valid_from) or (ag.valid_to and market.on > ag.valid_to):
        problems.append(f"agreement not in force on {market.on}")
    if problems:
        return RuleResult("agreement", False, "; ".join(problems))
    return RuleResult("agreement", True, f"agreement {ag.id} covers {ag.origin}->{ag.destination}, ISCO {v.isco}")


def check_quota(ag: AgreementSpec | None) -> RuleResult:
    if ag is None:
        return RuleResult("quota", False, "no agreement, so no quota")
    if ag.quota_left is None:
        return RuleResult("quota", True, "the agreement sets no quota")
    if ag.quota_left <= 0:
        return RuleResult("quota", False, f"agreement {ag.id}'s quota is exhausted")
    return RuleResult("quota", True, f"{ag.quota_left} place(s) left in agreement {ag.id}'s quota")


def check_credentials(w: WorkerSpec, v: VacancySpec) -> RuleResult:
    held = {c.get("name"): (c.get("recognition") or {}).get(v.destination, "unknown") for c in w.credentials}
    missing = [c for c in v.credentials if c not in held]
    unrecognised = [f"{c} ({held[c]})" for c in v.credentials if c in held and held[c] not in RECOGNISED]
    if missing or unrecognised:
        parts = ([f"missing: {', '.join(missing)}"] if missing else []) + (
            [f"not recognised in {v.destination}: {', '.join(unrecognised)}"] if unrecognised else [])
        return RuleResult("credentials", False, "; ".join(parts))
    if not v.credentials:
        return RuleResult("credentials", True, "no credential required")
    return RuleResult("credentials", True, ", ".join(f"{c}: {held[c]}" for c in v.credentials))


def check_languages(w: WorkerSpec, v: VacancySpec) -> RuleResult:
    short = [f"{lang} {w.languages.get(lang, 'none')} < {need}" for lang, need in v.languages.items()
             if _level(w.languages.get(lang)) < _level(need)]
    if short:
        return RuleResult("languages", False, "; ".join(short))
    return RuleResult("languages", True, ", ".join(f"{lang} {w.languages[lang]} >= {need}"
                                                   for lang, need in v.languages.items()) or "no language asked")


def check_occupation(w: WorkerSpec, v: VacancySpec) -> RuleResult:
    ok = w.isco[:2] == v.isco[:2]
    return RuleResult("occupation", ok, f"worker ISCO {w.isco}, vacancy ISCO {v.isco}"
                      + ("" if ok else ": different sub-major groups"))


def check_destination(w: WorkerSpec, v: VacancySpec) -> RuleResult:
    if not w.preferences:
        return RuleResult("destination", True, "the worker named no destination (any is wanted)")
    ok = v.destination in w.preferences
    return RuleResult("destination", ok, f"{v.destination} {'is' if ok else 'is not'} among the worker's "
                      f"destinations {', '.join(w.preferences)}")


def evaluate(w: WorkerSpec, v: VacancySpec, market: Market) -> list[RuleResult]:
    """Every rule for one pair, in :data:`RULES` order."""
    ag = market.agreements.get(v.agreement_id) if v.agreement_id is not None else None
    return [
        RuleResult("consent", w.consent, "the worker consented to matching" if w.consent
                   else "the worker has not consented to matching"),
        check_agreement(w, v, ag, market),
        check_quota(ag),
        check_credentials(w, v),
        check_languages(w, v),
        check_occupation(w, v),
        check_destination(w, v),
    ]


def eligible(results: list[RuleResult]) -> bool:
    return all(r.passed for r in results)


def as_dicts(results: list[RuleResult]) -> list[dict]:
    return [asdict(r) for r in results]
