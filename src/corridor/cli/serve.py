"""``corridor serve``: the data API and portal over the warehouse, read-only, with uvicorn."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corridor.config import warehouse_path


def command(
    host: Annotated[str, typer.Option(help="address to listen on (127.0.0.1: this machine only)")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    warehouse: Annotated[Path | None, typer.Option(
        help="warehouse file (default: CORRIDOR_WAREHOUSE or var/corridor.duckdb)")] = None,
    tokens: Annotated[Path | None, typer.Option(
        help="tokens file for restricted material (default: CORRIDOR_TOKENS); see docs/api.md")] = None,
    audit_log: Annotated[Path | None, typer.Option(
        help="audit log of restricted accesses, JSON lines (default: CORRIDOR_AUDIT_LOG or var/audit.jsonl)")]
    = None,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
    cache_size: Annotated[int, typer.Option(
        help="megabytes of responses kept in memory per worker, in each of its two response caches (0: none)")]
    = 64,
    max_observations: Annotated[int, typer.Option(
        help="observations per response at most (more: 413 naming the limit)")] = 100_000,
    max_mb: Annotated[int, typer.Option(help="megabytes per response body at most (more: 413)")] = 64,
    client_limit: Annotated[int, typer.Option(
        help="uncached queries one client address may have waiting or running (half as many whole-dataflow "
             "ones); more: 429")] = 8,
    memory_index: Annotated[bool, typer.Option(
        "--memory-index/--no-memory-index",
        help="keep every dataflow's public latest observations in memory (read in the background after start) "
             "and answer anonymous queries from them")] = True,
    preload: Annotated[list[str] | None, typer.Option(
        help="dataflow whose observations are read into memory before serving (repeatable), e.g. MIG_STOCK")]
    = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
) -> None:
    """Serve the SDMX data API (/data, /structure, /datasets) and the portal, read-only."""
    import os
    import sys

    import uvicorn

    from corridor.publish.app import create_app

    path = warehouse_path(warehouse).resolve()
    if workers > 1:
        # each worker process builds its own app from the environment (uvicorn's factory mode)
        os.environ["CORRIDOR_WAREHOUSE"] = str(path)
        if tokens is not None:
            os.environ["CORRIDOR_TOKENS"] = str(tokens)
        if audit_log is not None:
            os.environ["CORRIDOR_AUDIT_LOG"] = str(audit_log)
        os.environ["CORRIDOR_CACHE_SIZE"] = str(cache_size)
        os.environ["CORRIDOR_MAX_OBSERVATIONS"] = str(max_observations)
        os.environ["CORRIDOR_MAX_MB"] = str(max_mb)
        os.environ["CORRIDOR_CLIENT_LIMIT"] = str(client_limit)
        os.environ["CORRIDOR_MEMORY_INDEX"] = "1" if memory_index else "0"
        os.environ["CORRIDOR_PRELOAD"] = ",".join(preload or [])
        # fail early (bad warehouse or tokens file) before the workers start
        create_app(path, tokens_file=tokens, audit_log=audit_log, cache_mb=0).state.corridor.close()
        typer.echo(f"corridor: serving {path} on http://{host}:{port}/ with {workers} workers", err=True)
        # uvicorn's own command line, in place of this process: its worker processes then start from a
        # plain ``python -m uvicorn`` (spawned children of ``python -m corridor.cli.main`` died at start)
        os.execv(sys.executable, [
            sys.executable, "-m", "uvicorn", "corridor.cli.serve:app_from_environment", "--factory",
            "--host", host, "--port", str(port), "--workers", str(workers), "--log-level", log_level,
        ])
    app = create_app(path, tokens_file=tokens, audit_log=audit_log, cache_mb=cache_size,
                     max_observations=max_observations, max_mb=max_mb, client_limit=client_limit,
                     memory_index=memory_index,
                     preload=preload or ())
    typer.echo(f"corridor: serving {path} on http://{host}:{port}/ (API docs: /docs)", err=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level)


def app_from_environment():  # noqa: ANN201 - a FastAPI app (uvicorn factory for --workers > 1)
    """Build the app from ``CORRIDOR_WAREHOUSE``/``CORRIDOR_TOKENS``/``CORRIDOR_AUDIT_LOG``."""
    import os

    from corridor.publish.app import create_app

    return create_app(warehouse_path(), cache_mb=int(os.environ.get("CORRIDOR_CACHE_SIZE", "64")),
                      max_observations=int(os.environ.get("CORRIDOR_MAX_OBSERVATIONS", "100000")),
                      max_mb=int(os.environ.get("CORRIDOR_MAX_MB", "64")),
                      client_limit=int(os.environ.get("CORRIDOR_CLIENT_LIMIT", "8")),
                      memory_index=os.environ.get("CORRIDOR_MEMORY_INDEX", "1") == "1",
                      preload=[f for f in os.environ.get("CORRIDOR_PRELOAD", "").split(",") if f])


if __name__ == "__main__":  # pragma: no cover - ``python -m corridor.cli.serve`` (used by the benchmark)
    from corridor.cli.common import run_guarded

    _single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    _single.command()(command)
    run_guarded(_single)
