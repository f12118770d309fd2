"""Reference codelists and concepts: areas (UN M49, historical areas, source alias tables), sex, age,
SDMX observation and confidentiality status, and the concept registry.

Modules: :mod:`corridor.reference.areas`, :mod:`corridor.reference.aliases`,
:mod:`corridor.reference.codes`, :mod:`corridor.reference.concepts`. Data files live in ``data/``;
see ``docs/codelists.md`` and ``docs/concepts.md``.
"""
