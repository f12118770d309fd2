"""The labour mobility exchange (issue 12): a registry of vacancies, jobseekers, employers, bilateral
labour agreements and placements on its own relational database, explainable matching under the
agreements, and aggregate statistics written to the warehouse after disclosure control.
See ``docs/exchange.md``."""

# The fair-recruitment tables (issue 13) share the registry's declarative base: importing them here keeps
# ``Base.metadata`` whole wherever the registry is used (the migrations are compared against it).
from corridor.exchange import models_recruitment  # noqa: E402,F401
