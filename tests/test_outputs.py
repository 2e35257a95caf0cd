"""``isetrace.outputs``: what a path given for output points at is written, never destroyed.

Every kind of node is made in the test's own temporary directory (device nodes need CAP_MKNOD: those
tests are skipped, saying so, where the test cannot make one).
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from isetrace.errors import OutputError
from isetrace.outputs import appending, check_output, is_stream, replace_file, replacing


def make_device(path: Path, kind: int, major: int, minor: int) -> Path:
    try:
        os.mknod(path, kind | 0o666, os.makedev(major, minor))
    except PermissionError:
        pytest.skip("making a device node needs CAP_MKNOD, which this test process lacks")
    return path


def null_device(tmp_path: Path) -> Path:
    """A node equal to /dev/null (char 1:3), in the test's own directory."""
    return make_device(tmp_path / "null", stat.S_IFCHR, 1, 3)


class Reader:
    """Reads everything written to a FIFO or a UNIX socket, in a thread, until the writer closes it."""

    def __init__(self, path: Path, *, sock: bool = False) -> None:
        self.data = b""
        self._server: socket.socket | None = None
        if sock:
            self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._server.bind(str(path))
            self._server.listen(1)
        else:
            os.mkfifo(path)
        self._thread = threading.Thread(target=self._read, args=(path,), daemon=True)
        self._thread.start()

    def _read(self, path: Path) -> None:
        if self._server is not None:
            peer, _ = self._server.accept()
            while chunk := peer.recv(65536):
                self.data += chunk
            peer.close()
            return
        with path.open("rb") as handle:
            self.data = handle.read()

    def result(self) -> bytes:
        self._thread.join(timeout=10)
        assert not self._thread.is_alive()
        if self._server is not None:
            self._server.close()
        return self.data


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_missing_file_is_created_with_its_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.jsonl"
    replace_file(target, b"one\n")
    assert target.read_bytes() == b"one\n" and not leftovers(target.parent)


def test_a_regular_file_is_replaced_whole_and_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"old\n")
    target.chmod(0o640)
    inode = target.stat().st_ino
    replace_file(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.stat().st_ino != inode  # a new file, renamed
    assert not leftovers(tmp_path)


def test_an_error_while_writing_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"old\n")
    with pytest.raises(RuntimeError), replacing(target) as handle:
        handle.write(b"half")
        raise RuntimeError("stop")
    assert target.read_bytes() == b"old\n" and not leftovers(tmp_path)


def test_a_discarded_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"old\n")
    with replacing(target) as handle:
        handle.write(b"new\n")
        handle.discard()
    assert target.read_bytes() == b"old\n" and not leftovers(tmp_path)


def test_a_symbolic_link_keeps_pointing_at_its_target_which_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    real = tmp_path / "data" / "real.jsonl"
    real.write_bytes(b"old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(Path("data") / "real.jsonl")
    replace_file(link, b"new\n")
    assert link.is_symlink() and os.readlink(link) == str(Path("data") / "real.jsonl")
    assert real.read_bytes() == b"new\n" and not leftovers(tmp_path) and not leftovers(tmp_path / "data")


def test_a_dangling_link_gets_its_target_made(tmp_path: Path) -> None:
    link = tmp_path / "link.jsonl"
    link.symlink_to(tmp_path / "later" / "real.jsonl")
    replace_file(link, b"new\n")
    assert link.is_symlink() and (tmp_path / "later" / "real.jsonl").read_bytes() == b"new\n"


def test_a_link_loop_is_refused_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(OutputError, match="symbolic links"):
        replace_file(tmp_path / "a", b"x")


def test_a_character_device_is_written_through_and_stays_a_device(tmp_path: Path) -> None:
    node = null_device(tmp_path)
    replace_file(node, b"discarded\n" * 1000)
    with appending(node) as handle:
        handle.write(b"more\n")
    info = node.lstat()
    assert stat.S_ISCHR(info.st_mode) and info.st_rdev == os.makedev(1, 3)
    assert is_stream(node) and not leftovers(tmp_path)


def test_a_full_device_is_an_output_error_naming_the_path(tmp_path: Path) -> None:
    full = make_device(tmp_path / "full", stat.S_IFCHR, 1, 7)  # /dev/full: every write fails with ENOSPC
    with pytest.raises(OutputError, match=f"cannot write {full}: No space left on device"):
        replace_file(full, b"x" * 100_000)
    assert stat.S_ISCHR(full.lstat().st_mode)


def test_a_link_to_a_device_writes_to_the_device(tmp_path: Path) -> None:
    node = null_device(tmp_path)
    link = tmp_path / "out.jsonl"
    link.symlink_to(node)
    replace_file(link, b"gone\n")
    assert link.is_symlink() and stat.S_ISCHR(node.lstat().st_mode)


@pytest.mark.parametrize("sock", [False, True], ids=["fifo", "socket"])
def test_a_fifo_or_socket_gets_the_stream_and_stays(tmp_path: Path, sock: bool) -> None:
    path = tmp_path / "pipe"
    reader = Reader(path, sock=sock)
    with replacing(path) as handle:
        for number in range(1000):
            handle.write(f"line {number}\n".encode())
    assert reader.result() == b"".join(f"line {n}\n".encode() for n in range(1000))
    kind = path.lstat().st_mode
    assert (stat.S_ISSOCK(kind) if sock else stat.S_ISFIFO(kind)) and not leftovers(tmp_path)


def test_a_descriptor_path_writes_to_the_descriptor_and_leaves_it_open(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as reader, os.fdopen(write_end, "wb", buffering=0) as writer:
        replace_file(Path(f"/dev/fd/{write_end}"), b"through the pipe\n")
        writer.write(b"still open\n")
        writer.close()
        assert reader.read() == b"through the pipe\nstill open\n"


def test_a_directory_is_refused_and_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "keep").write_text("kept")
    for write in (lambda: replace_file(folder, b"x"), lambda: check_output(folder),
                  lambda: appending(folder).__enter__()):
        with pytest.raises(OutputError, match=f"cannot write {folder}: it is a directory"):
            write()
    assert (folder / "keep").read_text() == "kept" and [p.name for p in folder.iterdir()] == ["keep"]


def test_a_block_device_is_refused(tmp_path: Path) -> None:
    node = make_device(tmp_path / "disk", stat.S_IFBLK, 0, 0)  # no such disk: refusing must come first anyway
    with pytest.raises(OutputError, match="block device"):
        replace_file(node, b"x")
    assert stat.S_ISBLK(node.lstat().st_mode)


def test_a_folder_that_is_a_file_is_named_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match=f"cannot write {blocker}/deep/out.jsonl: Not a directory"):
        check_output(blocker / "deep" / "out.jsonl")
    with pytest.raises(OutputError, match=f"cannot write {blocker}/out.jsonl: Not a directory"):
        replace_file(blocker / "out.jsonl", b"x")
    check_output(tmp_path / "new" / "out.jsonl")  # a folder that does not exist yet is made when writing


def test_appending_adds_to_a_file_through_its_link(tmp_path: Path) -> None:
    real = tmp_path / "real.jsonl"
    real.write_bytes(b"one\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    with appending(link) as handle:
        handle.write(b"two\n")
    assert real.read_bytes() == b"one\ntwo\n" and link.is_symlink()


def test_parquet_is_written_to_a_pipe(tmp_path: Path) -> None:
    """Parquet's writer asks where it is in the file; through a pipe the handle answers by counting."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    path = tmp_path / "pipe"
    reader = Reader(path)
    with replacing(path) as handle:
        writer = pq.ParquetWriter(handle, pa.schema([("n", pa.int64())]))
        writer.write_table(pa.table({"n": list(range(100))}))
        writer.close()
    table = pq.read_table(pa.BufferReader(reader.result()))
    assert table.column("n").to_pylist() == list(range(100))


def test_standard_output_is_known_by_its_descriptor_and_by_what_it_is(tmp_path: Path) -> None:
    code = ("import sys; from pathlib import Path; from isetrace.outputs import is_stdout; "
            "print([is_stdout(Path(p)) for p in sys.argv[1:]], file=sys.stderr)")
    target = tmp_path / "captured"
    with target.open("wb") as stdout:
        result = subprocess.run([sys.executable, "-c", code, "/dev/stdout", "/dev/fd/1", str(target), "/dev/stderr",
                                 str(tmp_path / "other")], stdout=stdout, stderr=subprocess.PIPE, text=True, check=True)
    assert result.stderr.strip() == "[True, True, True, False, False]"
