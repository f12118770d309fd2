"""Social-security portability (issue 13): a registry of social security agreements and a calculator of
old-age benefits under totalisation (EU Regulation 883/2004 art. 6, 52 and 57, and bilateral agreements
that vary them), with the share of migrants covered by agreements per corridor. See ``docs/portability.md``."""
