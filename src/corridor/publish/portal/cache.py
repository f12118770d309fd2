"""Results that depend only on the warehouse file (and the reference), kept while both are unchanged.

``corridor serve`` opens the warehouse read-only and DuckDB lets no writer in while it is open, so
what a page computed from it stays true until the file changes. :func:`per_warehouse` memoises a
function ``f(wh, *args)`` on (warehouse path, file modification time and size, args), least recently
used first out. Results are shared between requests: callers must not modify them.

Both also depend on the reference (area names and kinds, codelists), which grows when an office
registers its own codes (``corridor register``, seen by the running server without a restart:
:func:`corridor.reference.user_codes.refresh_if_changed`); :func:`per_reference` memoises what depends
on the reference alone, and both keys carry the reference's generation.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from corridor.reference.user_codes import generation

F = TypeVar("F", bound=Callable[..., Any])


def _identity(wh: Any) -> tuple[str, int, int]:
    path = getattr(wh, "path", None)
    try:
        stat = path.stat()
    except (AttributeError, OSError):
        return (str(id(wh)), 0, 0)
    return (str(path.resolve()), stat.st_mtime_ns, stat.st_size)


def per_warehouse(maxsize: int = 64) -> Callable[[F], F]:
    """Memoise ``f(wh, *args, **kwargs)`` per warehouse file state (see module docstring)."""

    def decorate(func: F) -> F:
        store: OrderedDict[Any, Any] = OrderedDict()
        lock = threading.Lock()

        @wraps(func)
        def wrapper(wh: Any, *args: Any, **kwargs: Any) -> Any:
            key = (_identity(wh), generation(), args, tuple(sorted(kwargs.items())))
            with lock:
                if key in store:
                    store.move_to_end(key)
                    return store[key]
            value = func(wh, *args, **kwargs)
            with lock:
                store[key] = value
                while len(store) > maxsize:
                    store.popitem(last=False)
            return value

        wrapper.cache_clear = store.clear  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def per_reference(func: F) -> F:
    """Memoise a function of no arguments until the reference is reloaded (a new registration)."""
    held: dict[int, Any] = {}
    lock = threading.Lock()

    @wraps(func)
    def wrapper() -> Any:
        now = generation()
        with lock:
            if now in held:
                return held[now]
        value = func()
        with lock:
            held.clear()
            held[now] = value
        return value

    wrapper.cache_clear = held.clear  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
