"""One module per portal page; each exposes ``router``."""
