"""Starting Apache Spark in this process: one SparkSession per master URL, on Java 17.

Used by the two rooms that run Ibis expressions on Spark: the warehouse's selections
(:mod:`corridor.store.engines`) and microdata tabulation (:mod:`corridor.microdata.engines`).
Spark runs in local mode by default (``local[2]``); pass a cluster URL (``spark://host:7077``) for
real use. Spark needs Java 17 or 21: when ``JAVA_HOME`` is unset the OpenJDK 17 install is used, and
``SPARK_LOCAL_IP`` defaults to ``127.0.0.1``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

JAVA17 = Path("/usr/lib/jvm/java-17-openjdk-amd64")
_SPARK_SESSIONS: dict[str, Any] = {}


def spark_session(master: str = "local[2]", *, shuffle_partitions: int = 4) -> Any:
    """A SparkSession for ``master`` (one per process and master URL; reused on later calls)."""
    if master in _SPARK_SESSIONS:
        return _SPARK_SESSIONS[master]
    if not os.environ.get("JAVA_HOME") and JAVA17.is_dir():
        os.environ["JAVA_HOME"] = str(JAVA17)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master(master)
        .appName("corridor-microdata")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", os.environ.get("CORRIDOR_SPARK_DRIVER_MEMORY", "1g"))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    _SPARK_SESSIONS[master] = session
    return session


