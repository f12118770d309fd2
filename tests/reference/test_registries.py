"""The registries hold every code the real releases use, and the SDMX lists they cite.

Two checks that catch a code removed from ``reference/data/codelists.yaml``:

* every coded column the adapters produce for the releases the selection suite loads
  (``tests/store/test_selection_engines.py``) holds codes of its codelist: the adapters' own output,
  before the store's validation, so a missing code is named here rather than as a refused ingest;
* OBS_STATUS, CONF_STATUS and SEX are the SDMX cross-domain code lists (agency SDMX: CL_OBS_STATUS,
  CL_CONF_STATUS, CL_SEX) with their labels: corridor keeps a subset, and each label is SDMX's.
  The reference tables below are transcribed from those lists as the SDMX registries publish them
  (for example the BIS SDMX structure API, which serves SDMX's cross-domain lists unchanged).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.reference.codes import codes
from corridor.reference.dataflows import ATTRIBUTES, DIMENSION_COLUMNS, dataflow
from corridor.sources.catalogue import release
from corridor.sources.fetch import fetch
from corridor.sources.layouts import get_layout

#: The releases tests/store/test_selection_engines.py ingests.
RELEASES = ("undesa-ims-2019-totals", "undesa-ims-2020-sex-destination", "abel-2018-regional-flows")

#: SDMX CL_OBS_STATUS: code -> label.
SDMX_OBS_STATUS = {
    "A": "Normal value", "B": "Time series break", "D": "Definition differs", "E": "Estimated value",
    "F": "Forecast value", "G": "Experimental value", "H": "Missing value; holiday or weekend",
    "I": "Imputed value (CCSA definition)", "J": "Derogation", "K": "Data included in another category",
    "L": "Missing value; data exist but were not collected", "M": "Missing value; data cannot exist",
    "N": "Not significant", "O": "Missing value", "P": "Provisional value", "Q": "Missing value; suppressed",
    "S": "Strike and other special events", "U": "Low reliability", "V": "Unvalidated value",
    "W": "Includes data from another category",
}
#: SDMX CL_CONF_STATUS: code -> label (E, the embargo code, omitted: corridor does not embargo).
SDMX_CONF_STATUS = {
    "A": "Primary confidentiality due to small counts", "C": "Confidential statistical information",
    "D": "Secondary confidentiality set by the sender, not for publication", "F": "Free (free for publication)",
    "G": "Primary confidentiality due to dominance by one or two units",
    "M": "Primary confidentiality due to data declared confidential based on other measures of concentration",
    "N": "Not for publication, restricted for internal use only",
    "O": "Primary confidentiality due to dominance by one unit",
    "S": "Secondary confidentiality set and managed by the receiver, not for publication",
    "T": "Primary confidentiality due to dominance by two units", "X": "Confidentiality due to military secrecy",
}
#: SDMX CL_SEX (the codes corridor may use).
SDMX_SEX = {"F": "Female", "M": "Male", "_T": "Total", "_O": "Other", "_U": "Unknown", "_N": "Not applicable"}


@pytest.mark.parametrize(("name", "sdmx"), [
    ("OBS_STATUS", SDMX_OBS_STATUS), ("CONF_STATUS", SDMX_CONF_STATUS), ("SEX", SDMX_SEX),
])
def test_codelists_are_the_sdmx_cross_domain_lists(name: str, sdmx: dict[str, str]) -> None:
    ours = codes(name)
    assert set(ours) <= set(sdmx), f"{name}: codes not in SDMX CL_{name}: {sorted(set(ours) - set(sdmx))}"
    assert {c: ours[c] for c in ours} == {c: sdmx[c] for c in ours}


@pytest.fixture(scope="module")
def adapter_output(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What each release's adapter produces from the mirror's verified bytes (nothing is written)."""
    cache = tmp_path_factory.mktemp("registries-cache")
    return {rid: get_layout(release(rid).layout)(fetch(rid, mirror=mirror, cache=cache)).observations
            for rid in RELEASES}


@pytest.mark.parametrize("release_id", RELEASES)
def test_every_code_the_real_ingest_uses_is_in_its_codelist(adapter_output: dict, release_id: str) -> None:
    obs = adapter_output[release_id]
    attributes = {col: cl for col, cl, _ in ATTRIBUTES.values() if cl is not None and col in obs.columns}
    unknown = []
    for flow_id, part in obs.groupby("dataflow"):
        columns = {**attributes, **dataflow(str(flow_id)).column_codelists()}
        for column in DIMENSION_COLUMNS:
            if column in part.columns and column not in columns:
                columns[column] = "(outside the key: _T)"
        for column, codelist in columns.items():
            if column not in part.columns:
                continue
            allowed = {"_T"} if codelist.startswith("(") else set(codes(codelist))
            missing = sorted(set(part[column].dropna().astype(str)) - allowed)
            if missing:
                unknown.append(f"{flow_id}.{column}: {missing[:5]} not in {codelist}")
    assert not unknown, f"{release_id} uses codes its registries lack: " + "; ".join(unknown)
    assert len(obs) > 0
