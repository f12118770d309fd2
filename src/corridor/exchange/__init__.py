"""The labour mobility exchange (issue 12): a registry of vacancies, jobseekers, employers, bilateral
labour agreements and placements on its own relational database, explainable matching under the
agreements, and aggregate statistics written to the warehouse after disclosure control.
See ``docs/exchange.md``."""
