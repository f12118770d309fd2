"""Content negotiation: pick an output format from ``format=`` or the ``Accept`` header.

``format=`` (a format id of :data:`corridor.publish.formats.FORMATS`: ``sdmx-ml``, ``sdmx-generic``,
``sdmx-csv``, ``sdmx-json``, ``sdmx-json-draft``, ``jsonstat``, ``csv``, ``json``) wins over ``Accept``, so a
browser link can ask for a download. ``Accept`` is read as RFC 9110 section 12.5.1 describes: media
ranges with optional ``q`` weights; ``*/*`` or no header gives the default (SDMX-ML 2.1
structure-specific, the SDMX REST default for data). A ``version`` parameter must match the version
corridor writes (SDMX-CSV 2.0.0, SDMX-ML 2.1, SDMX-JSON 1.0.0). Nothing acceptable -> 406 listing what is offered;
an unknown ``format=`` -> 400.
"""

from __future__ import annotations

from corridor.publish.api.errors import ApiError
from corridor.publish.formats import DEFAULT_FORMAT, FORMATS, FormatWriter


def _media(text: str) -> tuple[str, dict[str, str]]:
    parts = [p.strip() for p in text.split(";")]
    params: dict[str, str] = {}
    for p in parts[1:]:
        if "=" in p:
            k, v = p.split("=", 1)
            params[k.strip().lower()] = v.strip().strip('"')
    return parts[0].lower(), params


def _parse_accept(header: str) -> list[tuple[float, int, str, dict[str, str]]]:
    ranges = []
    for i, item in enumerate(header.split(",")):
        if not item.strip():
            continue
        media, params = _media(item)
        try:
            q = float(params.pop("q", "1"))
        except ValueError:
            q = 0.0
        if q > 0:
            ranges.append((q, i, media, params))
    # higher q first; among equal q, more specific ranges first, then header order
    ranges.sort(key=lambda r: (-r[0], r[2].count("*"), r[1]))
    return ranges


def _matches(writer: FormatWriter, media: str, params: dict[str, str]) -> bool:
    for offered in writer.accepted:
        base, offered_params = _media(offered)
        if media == base or media == "*/*" or (media.endswith("/*") and base.startswith(media[:-1])):
            wanted_version = params.get("version")
            offered_version = offered_params.get("version")
            if wanted_version and offered_version and wanted_version != offered_version:
                continue
            if wanted_version and not offered_params.get("version") and base == media:
                continue
            return True
    return False


def choose_format(format_param: str | None, accept: str | None) -> FormatWriter:
    """The writer for a request (see module docstring)."""
    if format_param:
        writer = FORMATS.get(format_param.strip().lower())
        if writer is None:
            raise ApiError(400, f"unknown format {format_param!r}; formats: {', '.join(FORMATS)}")
        return writer
    if not accept or not accept.strip():
        return FORMATS[DEFAULT_FORMAT]
    ranges = _parse_accept(accept)
    for _q, _i, media, params in ranges:
        if media == "*/*" or media == "application/*":
            # a wildcard: the default if it qualifies
            default = FORMATS[DEFAULT_FORMAT]
            if _matches(default, media, params):
                return default
        for writer in FORMATS.values():
            if _matches(writer, media, params):
                return writer
    offered = ", ".join(w.media_type for w in FORMATS.values())
    raise ApiError(406, f"none of the media types in Accept ({accept}) is offered; offered: {offered} "
                        f"(or add format=one of {', '.join(FORMATS)})")
