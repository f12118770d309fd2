"""Bilateral migration flows estimated from stock tables (birthplace x residence at two dates).

Methods (ids of Abel & Cohen 2019): ``sd_drop_neg``, ``sd_rev_neg``, ``mig_rate``, ``da_min_closed``,
``da_min_open``, ``da_ind_closed``, ``da_pb_closed``. The numeric core works on plain arrays
(:class:`StockTables`) or tidy CSV files (:mod:`corridor.estimate.flows.io`); the warehouse side lives
in :mod:`corridor.estimate.flows.stocks` and :mod:`corridor.estimate.flows.store`.
See ``docs/methods-flows.md``.
"""

from corridor.estimate.flows.ipf import IPFReport, ipf2
from corridor.estimate.flows.methods import METHODS, estimate
from corridor.estimate.flows.result import FlowResult
from corridor.estimate.flows.tables import StockTables

__all__ = ["METHODS", "FlowResult", "IPFReport", "StockTables", "estimate", "ipf2"]
