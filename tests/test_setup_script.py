"""``scripts/setup.sh`` waits for the package lock instead of failing (issue 15, item 7).

What this proves: while another process holds the apt/dpkg lock, ``apt_wait`` retries (apt's message
"Could not get lock ..." is what apt-get prints then) and succeeds once the lock is free; it passes
apt's own ``DPkg::Lock::Timeout``; it gives up with the message after the wait limit; any other failure
is reported at once. ``apt-get`` is a stand-in script on ``PATH`` here (the real lock belongs to the
machine and to other users), which fails with apt's real lock message a set number of times.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAKE = """#!/usr/bin/env bash
n=$(cat "$STATE" 2>/dev/null || echo 0); echo $((n + 1)) > "$STATE"; echo "$*" >> "$STATE.args"
if [ "$n" -lt "$FAILS" ]; then
  echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (apt-get)" >&2; exit 100
fi
[ -n "${OTHER:-}" ] && { echo "E: Unable to locate package nosuch" >&2; exit 100; }
exit 0
"""


def _run(tmp_path: Path, fails: int, wait: int, other: str = "") -> subprocess.CompletedProcess:
    fake = tmp_path / "bin" / "apt-get"
    fake.parent.mkdir(exist_ok=True)
    fake.write_text(FAKE)
    fake.chmod(0o755)
    state = tmp_path / "calls"
    state.unlink(missing_ok=True)
    script = f'source "{ROOT}/scripts/setup.sh" --functions && apt_wait apt-get update -qq'
    env = {"PATH": f"{fake.parent}:/usr/bin:/bin", "STATE": str(state), "FAILS": str(fails), "OTHER": other,
           "CORRIDOR_APT_LOCK_WAIT": str(wait), "CORRIDOR_APT_LOCK_POLL": "1"}
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=60)


def test_waits_for_the_lock_then_runs(tmp_path):
    done = _run(tmp_path, fails=2, wait=30)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "calls").read_text().strip() == "3"
    assert "waiting for it" in done.stderr
    assert "-o DPkg::Lock::Timeout=30" in (tmp_path / "calls.args").read_text()


def test_gives_up_after_the_limit_with_the_message(tmp_path):
    done = _run(tmp_path, fails=100, wait=2)
    assert done.returncode == 100 and "Could not get lock" in done.stderr and "still held after 2 s" in done.stderr


def test_other_failures_are_not_retried(tmp_path):
    done = _run(tmp_path, fails=0, wait=30, other="1")
    assert done.returncode == 100 and "Unable to locate package" in done.stderr
    assert (tmp_path / "calls").read_text().strip() == "1"
