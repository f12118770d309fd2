"""The process's own memory (:mod:`corridor.process_memory`), each call checked in a fresh process on this
machine's kernel and C library (Linux, glibc: what CI and the servers run on):

* ``no_huge_pages``: the kernel reports transparent huge pages off for the process afterwards
  (``THP_enabled`` in ``/proc/self/status``, Linux 5.0 and later); the setting is inherited, and a command run
  in the test process may have set it, so the child clears it first;
* ``limit_arenas``: glibc accepts the cap (``mallopt`` answers 1);
* ``release_free_heap``: 160 MB of malloc'd blocks freed in the middle of the heap (every 16th kept, so the
  heap cannot shrink from its top) stay resident until it is called, and go back to the kernel when it is.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's prctl and glibc's malloc_trim")


def _run(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_no_huge_pages_turns_them_off_for_the_process() -> None:
    got = _run("import json; from corridor.process_memory import no_huge_pages\n"
               "def thp(): return [l.split()[1] for l in open('/proc/self/status') if l.startswith('THP_enabled')]\n"
               "import ctypes; ctypes.CDLL(None).prctl(41, 0, 0, 0, 0)\n"  # clear what the parent may pass on
               "before = thp(); done = no_huge_pages(); print(json.dumps([before, done, thp()]))")
    before, done, after = got
    assert done is True and before == ["1"] and after == ["0"]


def test_release_free_heap_gives_freed_memory_back() -> None:
    got = _run("import json; from corridor.process_memory import release_free_heap\n"
               "def rss(): return int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20\n"
               "blocks = [bytes(8000) for _ in range(20_000)]; keep = blocks[::16]; full = rss()\n"
               "del blocks; freed = rss(); done = release_free_heap(); print(json.dumps([full, freed, done, rss()]))")
    full, freed, done, after = got
    assert freed > full - 20  # freed in the middle of the heap: still resident
    assert done is True and after < freed - 100  # about 150 MB went back


def test_limit_arenas_is_accepted() -> None:
    assert _run("import json; from corridor.process_memory import limit_arenas; print(json.dumps(limit_arenas()))")
