"""Design-based survey estimation: totals, means, proportions and ratios with their uncertainty.

Methods, thresholds and rules: ``docs/methods-survey.md``. The variance engine is ``svy`` (pinned);
corridor checks the design, sets the replicate coefficients and degrees of freedom as R survey does,
and adds intervals, CVs and reliability statuses.
"""

from corridor.estimate.survey.design import DesignSpec, PreparedDesign, prepare_design
from corridor.estimate.survey.estimators import KINDS, MISSING, OUTPUT_COLUMNS, Request, estimate
from corridor.estimate.survey.status import Thresholds

__all__ = [
    "KINDS", "MISSING", "OUTPUT_COLUMNS", "DesignSpec", "PreparedDesign", "Request", "Thresholds",
    "estimate", "prepare_design",
]
