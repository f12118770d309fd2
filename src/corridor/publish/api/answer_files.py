"""Large anonymous answers kept on disk: a repeated dump is sent from a file, not written again.

A served snapshot never changes, so the answer to an anonymous query is fixed. Small answers are kept in
memory (:class:`~corridor.publish.api.state.ResponseCache`); a whole dataflow in one format is megabytes --
``/data/REFUGEES/all`` is 20 MB of SDMX-ML and five seconds of pysdmx -- too large for the memory
budget (issue 11: under 1 GB while a hostile client requests full dumps), so before this every repeat
was written again, holding the heavy lane and the interpreter's lock for seconds while light queries
waited. Here such an answer is written once to a file of a folder of this state's own (made at start,
removed when the state closes) and later requests get the file, read in 256 KB pieces in a thread
(``read`` releases the lock): a repeated dump then costs the server almost nothing.

* an answer written whole (``bytes``) of more than :data:`SPILL_BYTES` goes to a file instead of the
  memory cache (:meth:`AnswerFiles.put`);
* a streamed answer is copied to a file while it is sent (:meth:`AnswerFiles.tee`) and kept only when it
  was sent to the end (a client that goes away leaves no half file);
* the files are bounded by bytes (:data:`DEFAULT_MAX_BYTES`), least recently used out; a file being sent
  when it is dropped stays readable to that request (it was opened before).

Only answers that hold no restricted row are kept (the caller decides, as for the memory cache). The folder's name
carries the server's process id, so that a server killed before it could remove its folder has it removed by
the next one to start (:func:`remove_orphans`); a server that stops (SIGTERM, Ctrl-C) removes its own when its
lifespan ends (:meth:`AnswerFiles.clear`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import BinaryIO

#: Answers written whole above this size are kept on disk rather than in memory.
SPILL_BYTES = 1 * 2**20
#: Bytes of answer files kept at most per state (disk, not memory).
DEFAULT_MAX_BYTES = 1 * 2**30
#: Size of the pieces a kept answer is read and sent in.
PIECE_BYTES = 256 * 1024


#: A state's folder is ``<temporary folder>/corridor-answers-<process id>-<random>``.
PREFIX = "corridor-answers-"


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (signal 0 checks without sending; another user's process is alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_orphans(parent: Path | None = None) -> list[Path]:
    """Remove the answer folders that servers killed before they could close left behind (their process no
    longer exists): up to :data:`DEFAULT_MAX_BYTES` each. Returns what was removed. Run when a state makes its
    folder; a folder whose process id was taken by another process since is left, as are names of any
    other form."""
    removed = []
    for path in Path(parent or tempfile.gettempdir()).glob(f"{PREFIX}*-*"):
        pid = path.name[len(PREFIX):].split("-", 1)[0]
        if path.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


class AnswerFiles:
    """Thread-safe, byte-bounded LRU store of answer bodies in files (see the module docstring)."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, folder: Path | None = None) -> None:
        self.max_bytes = max_bytes
        if folder is None:
            remove_orphans()
            folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
        self.folder = Path(folder)
        # removed by clear() (a server's lifespan ends so), or else when this object is collected or the
        # interpreter exits (an app in a test process); SIGKILL leaves it to remove_orphans
        weakref.finalize(self, shutil.rmtree, str(self.folder), True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.bytes = 0
        self._files: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    @staticmethod
    def _name(key: Hashable) -> str:
        return hashlib.sha256(repr(key).encode("utf-8")).hexdigest()

    def open(self, key: Hashable) -> BinaryIO | None:
        """The kept answer to ``key``, opened for reading (``None``: not kept)."""
        name = self._name(key)
        with self._lock:
            if name not in self._files:
                return None
            self._files.move_to_end(name)
            self.hits += 1
            return (self.folder / name).open("rb")  # opened under the lock: a drop cannot come between

    def put(self, key: Hashable, data: bytes) -> None:
        """Keep ``data`` as the answer to ``key`` (written to a temporary file, then renamed into place)."""
        if len(data) > self.max_bytes // 4:
            return
        handle, temporary = self._part()
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        self._register(key, Path(temporary), len(data))

    def tee(self, key: Hashable, pieces: Iterator[bytes]) -> Iterator[bytes]:
        """``pieces`` as they come, copied to a file that is kept when the last piece has been sent."""
        handle, temporary = self._part()
        size, done = 0, False
        try:
            with os.fdopen(handle, "wb") as out:
                for piece in pieces:
                    size += len(piece)
                    if size <= self.max_bytes // 4:
                        out.write(piece)
                    yield piece
            done = size <= self.max_bytes // 4
        finally:
            if done:
                self._register(key, Path(temporary), size)
            else:
                Path(temporary).unlink(missing_ok=True)

    def _part(self) -> tuple[int, str]:
        """A new temporary file in the folder (made again if :meth:`clear` removed it)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(dir=self.folder, prefix=".part-")

    def _register(self, key: Hashable, temporary: Path, size: int) -> None:
        name = self._name(key)
        with self._lock:
            try:
                os.replace(temporary, self.folder / name)
            except FileNotFoundError:  # the folder was cleared while the answer was written: not kept
                return
            self.bytes += size - self._files.pop(name, 0)
            self._files[name] = size
            while self.bytes > self.max_bytes and self._files:
                dropped, dropped_size = self._files.popitem(last=False)
                (self.folder / dropped).unlink(missing_ok=True)
                self.bytes -= dropped_size

    def clear(self) -> None:
        """Remove the folder and every file in it; the store stays usable (the folder is made again on the
        next answer kept)."""
        with self._lock:
            self._files.clear()
            self.bytes = 0
            shutil.rmtree(self.folder, ignore_errors=True)

    close = clear

    def __len__(self) -> int:
        return len(self._files)


def pieces_of(handle: BinaryIO) -> Iterator[bytes]:
    """A kept answer's bytes in :data:`PIECE_BYTES` pieces; the file is closed at the end (or when the
    client goes away)."""
    try:
        while piece := handle.read(PIECE_BYTES):
            yield piece
    finally:
        handle.close()
