"""What the portal pages ask the warehouse, one module per page.

:mod:`.catalogue` (dataflows, datasets and codes every page lists, and the dataflow constants),
:mod:`.home`, :mod:`.country`, :mod:`.corridor`, :mod:`.sources`, :mod:`.explorer`. Every read goes
through the store's door: a :class:`~corridor.store.selection.Selection` given to the warehouse
(``wh.select``, ``wh.count``, ``wh.distinct``, ``wh.summary``, the ``wh.observations`` shorthand) or a
named read (``wh.datasets()``); no SQL here, so the vintage rule and access levels are the store's.
Anonymous readers see public datasets only (the selections' default). Functions return pandas frames
or plain dicts ready for the templates and charts; they never turn a missing value into 0. Results that
depend only on the warehouse file are memoised with :func:`~corridor.publish.portal.cache.per_warehouse`.
"""
