"""Write ``src/corridor/reference/data/search_names.csv``: names and codes people type for a country.

Run with the mirror beside the checkout (or give it)::

    .venv/bin/python scripts/build_search_names.py [MIRROR_DIR]

Two explicit sources, nothing matched approximately:

1. The treaty-status release ``treaty-status-icmw`` (world-politics-datalab, from the UN Treaty Collection;
   in ``sources/releases.yaml``) lists the 193 UN member states under their everyday English names
   ("Russia", "Iran", "South Korea", "United States", "Ivory Coast") with ISO 3166-1 alpha-2 codes. A name
   that is a UN name maps through :func:`corridor.reference.areas.area_code`; the others are in ``MEMBERS``
   below. One code of that file is obsolete and corrected in ``ALPHA2_FIX`` (East Timor: ``TP`` was
   replaced by ``TL`` in ISO 3166-1 in 2002).
2. ``EVERYDAY`` below: short forms and abbreviations in everyday use (UK, USA, UAE, DRC, Burma, ...), each
   with the area it names. A short form that names more than one area ("Korea", "Congo") is *not* listed:
   search offers the candidates instead.

The CSV (columns ``name, m49, alpha2, source``) is committed and reviewed; the release file is not.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from corridor.reference.areas import area_code  # noqa: E402
from corridor.sources.fetch import fetch  # noqa: E402

OUT = ROOT / "src" / "corridor" / "reference" / "data" / "search_names.csv"

#: Member names of the treaty file that are not UN names -> M49 code.
MEMBERS = {
    "Antigua And Barbuda": "28", "Bolivia": "68", "Bosnia And Herzegovina": "70", "Cape Verde": "132",
    "Czech Republic": "203", "Democratic Republic of Congo": "180", "East Timor": "626", "Guinea-bissau": "624",
    "Iran": "364", "Ivory Coast": "384", "Laos": "418", "Micronesia, Federated States Of": "583", "Moldova": "498",
    "North Korea": "408", "Russia": "643", "Sao Tome And Principe": "678", "South Korea": "410",
    "St. Kitts And Nevis": "659", "St. Lucia": "662", "St. Vincent And The Grenadines": "670", "Swaziland": "748",
    "Tanzania": "834", "Trinidad And Tobago": "780", "Turkey": "792", "United States": "840", "Venezuela": "862",
}
ALPHA2_FIX = {"TP": "TL"}  # ISO 3166-1 newsletter V-5 (2002): East Timor TP -> Timor-Leste TL

#: Everyday short forms -> M49 code (each names one area only).
EVERYDAY = {
    "UK": "826", "U.K.": "826", "Britain": "826", "Great Britain": "826", "USA": "840", "U.S.A.": "840",
    "U.S.": "840", "UAE": "784", "Emirates": "784", "Vietnam": "704", "Türkiye": "792",
    "Syria": "760", "DRC": "180", "DR Congo": "180", "Congo-Kinshasa": "180", "Congo-Brazzaville": "178",
    "Burma": "104", "Holland": "528", "Taiwan": "158", "Kosovo": "412", "Palestine": "275", "Hong Kong": "344",
    "Macau": "446", "Macao": "446", "Brunei": "96", "Cabo Verde": "132", "Eswatini": "748", "Czechia": "203",
    "North Macedonia": "807", "Macedonia": "807", "Micronesia": "583", "Vatican": "336", "Holy See": "336",
    "Timor-Leste": "626", "Côte d'Ivoire": "384", "Saint Kitts and Nevis": "659", "Saint Lucia": "662",
}


def rows(mirror: str | None) -> list[dict[str, str]]:
    """The table: every treaty-file member (name, alpha-2) and every everyday short form."""
    path = next(p for p in fetch("treaty-status-icmw", mirror=mirror) if p.name == "hr_status_icmw.csv")
    out = []
    with path.open(newline="", encoding="utf-8") as handle:
        for rec in csv.DictReader(handle):  # csv keeps Namibia's "NA" as text
            name, alpha2 = rec["member"].strip(), ALPHA2_FIX.get(rec["iso2"].strip(), rec["iso2"].strip())
            code = MEMBERS.get(name) or area_code(name)
            out.append({"name": name, "m49": code, "alpha2": alpha2, "source": "treaty-status-icmw"})
    for name, code in EVERYDAY.items():
        out.append({"name": name, "m49": code, "alpha2": "", "source": "everyday"})
    return out


def main() -> None:
    table = rows(sys.argv[1] if len(sys.argv) > 1 else None)
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["name", "m49", "alpha2", "source"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
    print(f"wrote {OUT} ({len(table)} rows)")


if __name__ == "__main__":
    main()
