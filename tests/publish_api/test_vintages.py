"""The vintage rule after access, through the store: a refused newer vintage never hides a readable
older one, and a reader of the newer one gets it.

The material (see conftest): IMS 2020's United States rows (public, vintage 2020) written again as
``test-microdata-ims-usa`` (access ``microdata``, vintage 2098) and ``test-embargoed-ims-usa``
(access ``embargoed``, vintage 2099), all of the series ``undesa-ims``. Each caller must get the latest
vintage among the datasets *it* may read. Reference figure: UN DESA IMS 2020, Table 1, United States
of America, 2020 = 50,632,836 (the re-labelled copies carry the same number).

The first test asks the API's own selection (:func:`corridor.publish.api.data.query_selection`) of
the store directly; the second asks the running server. Reversing the tie-break of the rule in
``store/selection.py`` (oldest vintage first) makes both fail.
"""

from __future__ import annotations

import pytest

from corridor.publish.api.data import query_selection, readable_levels
from corridor.publish.api.keys import build_query
from corridor.publish.security import ANONYMOUS, Principal
from corridor.publish.structures import Catalog
from corridor.store.warehouse import Warehouse

USA_2020 = 50_632_836  # UN DESA IMS 2020, Table 1, United States of America, 2020
PUBLIC_2020 = "undesa-ims-2020-sex-destination"

CALLERS = [
    ("anonymous", ANONYMOUS, PUBLIC_2020),
    ("no roles", Principal(name="nobody"), PUBLIC_2020),
    ("press", Principal(name="guest", roles=frozenset({"press"})), PUBLIC_2020),
    ("microdata", Principal(name="archivist", roles=frozenset({"microdata"})), "test-microdata-ims-usa"),
    ("embargoed", Principal(name="analyst", roles=frozenset({"embargoed"})), "test-embargoed-ims-usa"),
    ("both", Principal(name="both", roles=frozenset({"embargoed", "microdata"})), "test-embargoed-ims-usa"),
    ("admin", Principal(name="root", roles=frozenset({"admin"})), "test-embargoed-ims-usa"),
]


@pytest.mark.parametrize(("who", "principal", "expected"), CALLERS, ids=[c[0] for c in CALLERS])
def test_latest_readable_vintage_through_the_store(api_warehouse, who, principal, expected):
    query = build_query(Catalog.from_reference(), "MIG_STOCK", "840._T._T")
    sel = query_selection(query, readable_levels(principal), periods=("2020",))
    with Warehouse.open(api_warehouse, read_only=True) as wh:
        frame = wh.select(sel)
    assert list(frame["dataset_id"]) == [expected], who
    assert frame["value"].iloc[0] == USA_2020


@pytest.mark.parametrize(("token", "expected"), [
    (None, PUBLIC_2020), ("guest", PUBLIC_2020), ("archivist", "test-microdata-ims-usa"),
    ("analyst", "test-embargoed-ims-usa"), ("root", "test-embargoed-ims-usa"),
])
def test_latest_readable_vintage_over_http(server, restricted, token, expected):
    headers = restricted.bearer(token) if token else {}
    response = server.get("/data/MIG_STOCK/840._T._T?startPeriod=2020&endPeriod=2020&format=json",
                          headers=headers)
    assert response.status_code == 200, response.text
    (obs,) = response.json()["observations"]
    assert obs["dataset_id"] == expected and obs["value"] == USA_2020
    if expected != PUBLIC_2020:
        entry = server.audit_entries()[-1]
        assert entry["decision"] == "granted" and entry["datasets"] == [expected]
