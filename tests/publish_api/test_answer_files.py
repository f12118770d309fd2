"""Large anonymous answers are written once and then sent from a file (issue 11, item 5: a hostile client
repeating full dumps), on the API's test warehouse through the real app:

* ``test_a_repeated_dump_is_sent_from_its_file``: ``/data/REFUGEES/all`` (93,936 rows) in SDMX-ML (written
  whole, 20 MB) and in CSV (streamed) is written once; the repeat is the same bytes, read from the file;
* ``test_token_holders_answers_are_never_kept``: an answer to a caller with roles is never kept;
* ``test_an_abandoned_stream_leaves_no_file`` and ``test_the_files_stay_within_their_bytes``: a stream the
  client left is not kept (no partial file), and the least recently used files go past the budget;
* ``test_a_killed_servers_folder_is_removed_by_the_next``: a process killed with its folder still there
  (``SIGKILL``: nothing of it runs) leaves it to the next state made, which removes it, and only it;
* ``test_a_stopped_server_removes_its_folder``: ``corridor serve`` stopped by SIGTERM (its lifespan ends
  without closing its states) leaves no folder.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from corridor.publish.api.answer_files import AnswerFiles, remove_orphans
from corridor.publish.app import create_app
from tests.serving import corridor_serve


@pytest.fixture(scope="module")
def app(api_warehouse: Path, tokens_file: Path, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("answer-files")
    made = create_app(api_warehouse, tokens_file=tokens_file, audit_log=folder / "audit.jsonl")
    yield made
    made.state.corridor.current.close()


def test_a_repeated_dump_is_sent_from_its_file(app) -> None:
    files = app.state.corridor.current.answer_files
    with TestClient(app) as client:
        for fmt in ("sdmx-ml", "csv"):
            url = f"/data/REFUGEES/all?format={fmt}"
            first = client.get(url)
            assert first.status_code == 200 and len(first.content) > 2**20
            hits = files.hits
            again = client.get(url)
            assert again.status_code == 200 and again.content == first.content
            assert files.hits == hits + 1  # from the file, not written again
            assert again.headers["content-type"] == first.headers["content-type"]
            assert again.headers["content-disposition"] == first.headers["content-disposition"]
        assert len(files) == 2 and not list(files.folder.glob(".part-*"))
    assert len(files) == 0 and not files.folder.exists()  # the app's lifespan ended: its answer files went


def test_token_holders_answers_are_never_kept(app, restricted) -> None:
    files = app.state.corridor.current.answer_files
    kept = len(files)
    with TestClient(app) as client:
        answer = client.get("/data/REFUGEES/all?format=json", headers=restricted.bearer("guest"))
        assert answer.status_code == 200 and len(answer.content) > 2**20
        assert len(files) == kept  # inside the lifespan: at its end every answer file goes


def test_an_abandoned_stream_leaves_no_file(tmp_path: Path) -> None:
    files = AnswerFiles(max_bytes=2**20, folder=tmp_path)
    stream = files.tee("key", iter([b"a" * 1000, b"b" * 1000]))
    assert next(stream) == b"a" * 1000
    stream.close()  # the client went away
    assert files.open("key") is None and list(tmp_path.iterdir()) == []
    assert b"".join(files.tee("key", iter([b"a", b"b"]))) == b"ab"
    handle = files.open("key")
    assert handle is not None and handle.read() == b"ab"
    handle.close()


def test_the_files_stay_within_their_bytes(tmp_path: Path) -> None:
    files = AnswerFiles(max_bytes=4000, folder=tmp_path)
    for key in ("a", "b", "c"):
        files.put(key, key.encode() * 900)
    files.put("d", b"d" * 900)  # 3,600 bytes: within
    assert len(files) == 4 and files.bytes == 3600
    files.open("a").close()  # a is now the most recently used
    files.put("e", b"e" * 900)
    assert files.open("b") is None and files.open("a") is not None  # b went, its file too
    assert files.bytes <= 4000 and len(list(tmp_path.iterdir())) == len(files)
    files.put("huge", b"x" * 1001)  # more than a quarter of the budget: not kept
    assert files.open("huge") is None
    files.close()
    assert not tmp_path.exists()


def test_a_killed_servers_folder_is_removed_by_the_next(tmp_path: Path) -> None:
    made = ("import sys; from corridor.publish.api.answer_files import AnswerFiles; files = AnswerFiles(); "
            "files.put('dump', b'x' * 2048); print(files.folder, flush=True); sys.stdin.read()")
    server = subprocess.Popen([sys.executable, "-c", made], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    left = Path(server.stdout.readline().strip())
    server.send_signal(signal.SIGKILL)
    server.wait()
    assert left.is_dir() and len(list(left.iterdir())) == 1  # killed: nothing of it removed its folder
    mine = AnswerFiles()  # this process is alive: its own folder stays
    other = tmp_path / "corridor-answers-x-1"  # not a process id: not ours to judge
    other.mkdir()
    assert not left.exists() and mine.folder.is_dir()
    assert remove_orphans(tmp_path) == [] and other.is_dir()
    mine.close()


def test_a_stopped_server_removes_its_folder(api_warehouse: Path, tmp_path: Path) -> None:
    with corridor_serve(api_warehouse, tmp_path) as (_url, proc):
        folders = sorted(Path(tempfile.gettempdir()).glob(f"corridor-answers-{proc.pid}-*"))
        assert len(folders) == 1 and folders[0].is_dir(), folders
    assert proc.returncode is not None and not folders[0].exists()
