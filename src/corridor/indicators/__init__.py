"""Indicators: derived measures of migration and development, defined as data and computed from the warehouse.

The registry (``data/indicators.yaml``, read by :mod:`corridor.indicators.registry`) defines every
indicator: formula, inputs, the dataflow and measure it is written under, its development dimension,
level and location, the expected sign of its effect with the reason and the reference. Computations
read the warehouse through :class:`corridor.store.selection.Selection` and write back through
:meth:`corridor.store.warehouse.Warehouse.write_dataset` with provenance (docs/indicators.md).
"""
