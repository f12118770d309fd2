"""What the two SDMX-ML 2.1 data messages share (SDMX 2.1 Section 3A, "SDMX-ML: Schema and documentation"):
the message's envelope, the cells of a batch of rows, and the order of series.

The two writers (:mod:`.sdmx_ml`, structure-specific; :mod:`.sdmx_generic`, generic) write every
observation themselves, batch by batch, so a dump is streamed and never holds the interpreter for
seconds. What is not about rows -- the root element, its namespaces, the header and the ``DataSet``
element -- is ``pysdmx``'s own, written for the answer with no rows (:func:`envelope`).

**The same bytes as pysdmx, where pysdmx is right.** Cells are turned to text as pysdmx does
(``pysdmx.io.pd.stringify_dataframe``: Arrow's cast, a missing cell empty) and an empty cell is left
out. Where pysdmx's text is well-formed XML the writers give it byte for byte
(tests/publish_api/test_sdmx_ml_writer.py). pysdmx 1.20 writes an attribute as Python's ``repr()``
of the escaped value and then turns every ``'`` of the data set into ``"``; a value holding an
apostrophe -- every flow estimate's interval sentence says "the period's calendar years" -- then
breaks the element (``INTERVAL="... the period"s ..."``), and a ``"`` beside a letter, a backslash
or a character Python does not print are written wrongly. :func:`attribute_text` escapes by the XML
1.0 specification instead (section 3.3.3: tab, line feed and carriage return as character
references, so that attribute-value normalisation keeps them); a character XML 1.0 cannot carry at
all (section 2.2, ``Char``) becomes U+FFFD.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
from pysdmx.io import write_sdmx
from pysdmx.io.format import Format
from pysdmx.io.pd import PandasDataset, stringify_dataframe
from pysdmx.model import Organisation, Role
from pysdmx.model.message import Header

from corridor.publish.formats import BATCH, DataResult, batches
from corridor.publish.structures import AGENCY

ALL_DIMENSIONS = "AllDimensions"
#: Characters outside XML 1.0's ``Char`` production (the C0 controls but tab, line feed and carriage
#: return; lone surrogates; U+FFFE and U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ENTITIES = {'"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}


def attribute_text(value: str) -> str:
    """``value`` escaped for a double-quoted XML attribute: ``& < > "`` as entities, tab and line
    breaks as character references, characters XML cannot hold as U+FFFD."""
    return escape(_NOT_XML.sub("\ufffd", value), _ENTITIES)


#: A message's envelope for no rows, by (dataflow, format, dimension at observation), its header's id and
#: time still to be filled in: pysdmx's whole write costs some 9 ms, most of a small answer's time.
_ENVELOPES: dict[tuple[str, str, str], tuple[str, str]] = {}
_ID, _PREPARED = "corridor-message-id", datetime(2000, 1, 1, tzinfo=UTC)


def envelope(result: DataResult, fmt: Format) -> tuple[str, str]:
    """The message before the first observation and after the last: pysdmx's own message for the
    answer's columns with no rows, cut at the end of its ``DataSet`` element; written once per
    dataflow, format and dimension at observation, then given a new message id and preparation time
    (UTC, to the second, as pysdmx writes them)."""
    key = (result.flow.id, fmt.value, result.dimension_at_observation)
    if key not in _ENVELOPES:
        dataset = PandasDataset(structure=result.catalog.schema(result.flow.id), data=result.frame.iloc[:0])
        # no Source element: pysdmx writes it unescaped (an '&' in a query URL breaks the XML) and sdmx1
        # does not read it
        header = Header(id=_ID, prepared=_PREPARED, sender=Organisation(id=AGENCY, name="corridor"))
        text = write_sdmx(dataset, fmt, header=header, prettyprint=False,
                          dimension_at_observation=result.dimension_at_observation) or ""
        cut = text.index("</mes:DataSet>")
        _ENVELOPES[key] = (text[:cut], text[cut:])
    opening, closing = _ENVELOPES[key]
    fresh = Header()
    opening = (opening.replace(f"<mes:ID>{_ID}</mes:ID>", f"<mes:ID>{fresh.id}</mes:ID>", 1)
               .replace(f"<mes:Prepared>{_stamp(_PREPARED)}</mes:Prepared>",
                        f"<mes:Prepared>{_stamp(fresh.prepared)}</mes:Prepared>", 1))
    return opening, closing


def _stamp(moment: datetime) -> str:
    """A time as pysdmx writes ``Prepared``: UTC, to the second, ``Z``."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def obs_attributes(result: DataResult, schema_order: bool = False) -> list[str]:
    """The attributes written on each observation, in the order of the answer's columns (or of the data
    structure: pysdmx's order in a message of series). corridor's data
    structures attach every attribute to the observation (``corridor.publish.structures``); one at
    another level would have to be written on the series, which these writers do not do."""
    schema = result.catalog.schema(result.flow.id)
    attributes = {c.id: c for c in schema.components if c.role == Role.ATTRIBUTE}
    elsewhere = [a.id for a in attributes.values() if a.attachment_level != "O" and a.id in result.frame.columns]
    if elsewhere:
        raise ValueError(f"{result.flow.id}: attributes {elsewhere} are not attached to the observation; "
                         "corridor's SDMX-ML writers write observation-level attributes only")
    if schema_order:
        return [a for a in attributes if a in result.frame.columns]
    return [c for c in result.frame.columns if c in attributes]


def key_columns(result: DataResult) -> list[str]:
    """The answer's key dimensions (``SOURCE`` last) and ``TIME_PERIOD``, in the order of its columns."""
    dimensions = set(result.dimension_ids)
    return [c for c in result.frame.columns if c in dimensions]


def cells(values: list[str], text: Callable[[str], str]) -> list[str]:
    """``text`` of every value (text cells of one column), computed once per distinct value; an empty
    value (missing) gives an empty string: the component is left out."""
    table = {value: text(value) if value != "" else "" for value in dict.fromkeys(values)}
    return list(map(table.__getitem__, values))


def text_batches(frame: pd.DataFrame, columns: list[str]) -> Iterator[pd.DataFrame]:
    """``frame``'s ``columns`` as text, as pysdmx turns cells to text, :data:`BATCH` rows at a time."""
    for start in batches(len(frame)):
        yield stringify_dataframe(frame.iloc[start:start + BATCH][columns])


def check_all_dimensions(result: DataResult) -> None:
    """A flat message (every dimension at the observation) needs a value for every dimension, as
    pysdmx requires."""
    for column in key_columns(result):
        empty = result.frame[column].isna() | result.frame[column].eq("")
        if empty.any():
            raise ValueError(f"{result.flow.id}: dimension {column} is empty in row {int(np.argmax(empty))}; "
                             "an observation needs every dimension in an AllDimensions message")


def series_pieces(result: DataResult, dimension: str, series_tags: Callable[[pd.DataFrame], list[str]],
                  obs_elements: Callable[[pd.DataFrame], list[str]], close: str,
                  empty: Callable[[str], str]) -> Iterator[str]:
    """The series of a message with ``dimension`` at the observation, :data:`BATCH` rows at a time.

    Series are sorted by their key's text and hold their observations in the answer's order, as pysdmx
    groups them (``DataFrame.groupby(series key, dropna=False)`` over text cells). ``series_tags`` gives
    each row's opening tag of its series, ``obs_elements`` each row's observation ("" for a row without
    a value of ``dimension``); a series is closed by ``close``, and one with no observation is
    ``empty(opening tag)``."""
    series = series_key(result, dimension)
    columns = [*series, *obs_components(result, dimension)]
    frame = result.frame
    keys = stringify_dataframe(frame[series]) if len(frame) else frame[series]
    number = keys.groupby(series, sort=True, dropna=False).ngroup().to_numpy()
    order = np.argsort(number, kind="stable")
    current, tag, inner = -1, "", []
    for start in batches(len(frame)):
        rows = order[start:start + BATCH]
        part = stringify_dataframe(frame.iloc[rows][columns])
        out = []
        for group, opening, element in zip(number[rows], series_tags(part), obs_elements(part), strict=True):
            if group != current:
                if current >= 0:
                    out.append(tag + "".join(inner) + close if inner else empty(tag))
                current, tag, inner = group, opening, []
            if element:
                inner.append(element)
        yield "".join(out)
    if current >= 0:
        yield tag + "".join(inner) + close if inner else empty(tag)


def series_key(result: DataResult, dimension: str) -> list[str]:
    """The dimensions of a series' key when ``dimension`` is at the observation (the structure's order)."""
    schema = result.catalog.schema(result.flow.id)
    return [c.id for c in schema.components if c.role == Role.DIMENSION and c.id != dimension]


def obs_components(result: DataResult, dimension: str) -> list[str]:
    """An observation's components in a message of series: ``dimension``, the measure, then its
    attributes in the data structure's order (pysdmx's order)."""
    schema = result.catalog.schema(result.flow.id)
    measure = next(c.id for c in schema.components if c.role == Role.MEASURE)
    return [dimension, measure, *obs_attributes(result, schema_order=True)]
