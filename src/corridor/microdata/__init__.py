"""Census and survey microdata: read, map onto the core census topics, tabulate on DuckDB or Spark."""
