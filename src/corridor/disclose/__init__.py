"""Statistical disclosure control: tables (suppression, audit, cell-key perturbation) and microdata
(k-anonymity, individual risk, local suppression, PRAM). See ``docs/disclosure.md``."""
