"""``GET /datasets`` and ``GET /datasets/{dataset_id}``: the provenance of every dataset.

One record per row of the warehouse's ``datasets`` table (docs/data-model.md): id, release, series and
vintage, publisher, title, edition, licence, source address, the copy it was read from, sha256,
reference dates, concept, kind, access, method, inputs, when it was ingested and how many rows were
accepted and rejected. Restricted datasets are listed only for a token that may read them (and that
listing is audited); asking for one by id without such a token is answered as for an unknown id (404,
so that an embargoed id cannot be confirmed) and audited. CSV text cells are neutralised against
formula injection (:func:`corridor.publish.formats.csv.neutralise`).
Formats: JSON (default) or CSV (``format=csv`` or ``Accept: text/csv``).
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request, Response

from corridor.publish.api.data import check_parameters
from corridor.publish.api.errors import ApiError
from corridor.publish.api.state import ServiceState, get_principal, get_state
from corridor.publish.formats.csv import neutralise
from corridor.publish.security import Principal

router = APIRouter(tags=["datasets"])


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is pd.NaT:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    records = []
    for row in frame.to_dict(orient="records"):
        record = {k: _jsonable(v) for k, v in row.items()}
        if isinstance(record.get("parameters"), str):
            try:
                record["parameters"] = json.loads(record["parameters"])
            except ValueError:
                pass
        records.append(record)
    return records


def _format(format_param: str | None, accept: str | None) -> str:
    if format_param:
        fmt = format_param.strip().lower()
        if fmt not in ("json", "csv"):
            raise ApiError(400, f"unknown format {format_param!r} for /datasets; formats: json, csv")
        return fmt
    if accept and "text/csv" in accept and "application/json" not in accept:
        return "csv"
    return "json"


def _respond(frame: pd.DataFrame, fmt: str) -> Response:
    if fmt == "csv":
        flat = frame.copy()
        if "inputs" in flat.columns:
            flat["inputs"] = flat["inputs"].map(lambda v: " ".join(v) if isinstance(v, (list, tuple)) or
                                                hasattr(v, "tolist") else v)
        return Response(neutralise(flat).to_csv(index=False, lineterminator="\n"), media_type="text/csv",
                        headers={"Content-Disposition": 'inline; filename="datasets.csv"'})
    return Response(json.dumps({"count": len(frame), "datasets": _records(frame)}, ensure_ascii=False),
                    media_type="application/json")


@router.get("/datasets", summary="Provenance of every dataset (licence, source, sha256, concept, vintage)")
def list_datasets(
    request: Request,
    format: Annotated[str | None, Query(description="json (default) or csv")] = None,  # noqa: A002
    state: ServiceState = Depends(get_state),  # noqa: B008
    principal: Principal = Depends(get_principal),  # noqa: B008
) -> Response:
    check_parameters(request, ("format",))
    fmt = _format(format, request.headers.get("accept"))
    frame = state.datasets
    access = frame["access"].fillna("public")
    readable = access.map(principal.may_read).astype(bool)
    shown = frame[readable]
    restricted = sorted(shown.loc[access[readable] != "public", "dataset_id"])
    if restricted:
        state.audit_request(request, principal, decision="granted", reason="dataset listing includes "
                            "restricted datasets", datasets=restricted)
    return _respond(shown, fmt)


@router.get("/datasets/{dataset_id}", summary="Provenance of one dataset")
def get_dataset(
    request: Request,
    dataset_id: str,
    format: Annotated[str | None, Query(description="json (default) or csv")] = None,  # noqa: A002
    state: ServiceState = Depends(get_state),  # noqa: B008
    principal: Principal = Depends(get_principal),  # noqa: B008
) -> Response:
    check_parameters(request, ("format",))
    fmt = _format(format, request.headers.get("accept"))
    frame = state.datasets[(state.datasets["dataset_id"] == dataset_id)
                           | (state.datasets["release_id"] == dataset_id)]
    access = frame["access"].fillna("public")
    readable = access.map(principal.may_read).astype(bool)
    refused = sorted(frame.loc[~readable, "dataset_id"])
    if refused:
        state.audit_request(request, principal, decision="refused", datasets=refused,
                            reason="dataset record; answered as an unknown dataset")
    frame = frame[readable]
    if frame.empty:  # unknown, or not readable by this caller: one answer for both
        raise ApiError(404, f"unknown dataset {dataset_id!r}; GET /datasets lists them")
    granted = sorted(frame.loc[access[readable] != "public", "dataset_id"])
    if granted:
        state.audit_request(request, principal, decision="granted", reason="dataset record", datasets=granted)
    return _respond(frame, fmt)
