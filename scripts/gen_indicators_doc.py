"""Write ``docs/indicators.md`` from the indicator registry (``src/corridor/indicators/data/indicators.yaml``).

    .venv/bin/python scripts/gen_indicators_doc.py          # rewrite the file
    .venv/bin/python scripts/gen_indicators_doc.py --check  # exit 1 if it is not current

The page is the registry's text plus a hand-written tail (:data:`TAIL` below), so one command writes
the whole page. ``tests/indicators/
test_registry.py`` fails when the file and the registry drift.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "indicators.md"

RPW_TABLE = "\n".join([
    "| quarter | simple average of corridor averages (here) | RPW Global Average "
    "| weighted by 2017 remittances (here) | RPW Global Weighted Average | source |",
    "|---|---|---|---|---|---|",
    "| 2016-Q3 | 7.55 (360 corridors) | 7.42 | 5.79 | 5.73 | RPW Issue 19, September 2016, key findings |",
    "| 2017-Q1 | 7.90 (361 corridors) | 7.45 | 5.80 | 5.65 | RPW Issue 21, March 2017, key findings |",
])

TAIL = """
## Treaty tables

Layout `un-treaty-status` reads one CSV per treaty in the format of the UN Treaty Collection status
tables published by world-politics-datalab (`iso2, member, state party, year ratification or
accession, signatory, no action, status, note`; one line per UN member state). The catalogue release
`treaty-status-icmw` is the ICMW table as of 2022. Any other treaty in the same format is ingested with

```sh
corridor ingest treaty_status_ILO_C143_2024.csv --layout un-treaty-status
```

where the file name carries the `TREATY` code (ICMW, ILO_C097, ILO_C143, TIP_PROTOCOL, SOM_PROTOCOL)
and the year of the status. A table with a party and no year, a year for a non-party, flags that
disagree with `status`, or a state name outside the alias table `aliases_un_treaty_status.csv` is
refused whole with its file, row and column. It is written as `TREATY_STATUS` (2 party, 1 signatory,
0 no action, at the status year) and `TREATY_RATIFIED` (1 at the year of ratification or accession).

`corridor indicators ratifications --view roles` splits the states by migration role: *net
immigration* or *net emigration* by the sign of UN WPP 2024 net migration summed over 2012-2021
(`unknown` where a year is missing). With the 2022 ICMW table: 57 parties (42 net emigration, 15 net
immigration), 11 signatories, 125 states without action; parties by the end of 2008: 40.

## Census compliance registry

`corridor indicators census-load FILE` loads a registry of which of the five core census questions
(UN Principles and Recommendations, Rev. 2) each census asked and tabulated; `corridor indicators
census [--round 2010]` gives, per round and question, the countries with a record, how many asked it
(the inclusion rate) and how many tabulated it. The file (CSV, UTF-8):

```
country,reference_year,source,kind,A,B,C,D,E
Mexico,2010,example-census-2010,census,T,N,T,T,N
```

`country` an M49 code, ISO alpha-3 code or UN name; `reference_year` four digits; `source` a unique
id; `kind` census, survey or register; `A`..`E` (place of birth, duration of residence, previous
residence, citizenship, year of arrival) each `T` asked and tabulated, `A` asked but not tabulated,
`N` not asked. Every cell must be filled: an unknown answer is not a "no", so leave the census out.
The file is checked whole before anything is written; each line becomes a `CENSUS_QUESTION` dataset
(value 1 when asked; the registry's statement, file and line as the basis), beside the sources
recorded from microdata (`corridor microdata`).

## Remittance costs: what can and cannot match the World Bank's own figures

The mirror holds RPW *corridor averages* for sending USD 200 (DataBank series ATCR.CORR). Figures that
are computed exactly: the corridor gaps to 3% and 5%, the change over a year, the simple and weighted
averages of corridor averages per sending country, receiving country and overall, the shares of
corridors and of money above 5%. The World Bank's *global average* is a simple average over all
services surveyed, not over corridors, and its weighted average uses the remittance weights of its own
edition; so the overall figures here do not reproduce the published global averages and are not
presented as them. Amounts of USD 500 and SmaRT need per-service data: SmaRT is written as a missing
value with OBS_STATUS `L` and the reason; nothing is substituted.

Side by side with the World Bank's own figures for the same quarters (percent of USD 200; checked by
`tests/indicators/test_remittance_costs.py::test_world_figures_near_the_published_ones`):

{rpw_table}

The differences (0.1 to 0.45 points) are the expected ones: the World Bank averages over services, not
corridors, and weights with the remittance estimates of its own edition, not 2017's.
"""


def document() -> str:
    """The full text of docs/indicators.md."""
    sys.path.insert(0, str(ROOT / "src"))
    from corridor.indicators.registry import markdown

    return markdown() + TAIL.replace("{rpw_table}", RPW_TABLE)


def main(argv: list[str]) -> int:
    text = document()
    if "--check" in argv:
        current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
        if current != text:
            print(f"{DOC} is stale: run scripts/gen_indicators_doc.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
