"""corridor: an open evidence system on international migration and development.

Data flows one way: ``sources`` -> ``store`` -> ``estimate`` / ``indicators`` -> ``publish``,
with ``reference`` (codelists, concepts) and ``disclose`` (disclosure control) alongside.
See ``docs/architecture.md``.
"""

__version__ = "0.1.0"
