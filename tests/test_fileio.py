"""``covenant_lab.fileio``: what may be written and read, how, and what a kill leaves behind."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from covenant_lab import fileio
from covenant_lab.errors import UsageError
from covenant_lab.fileio import check_input, check_output, same_file, write_atomic

ROOT = os.geteuid() == 0


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a relative path never lands in the source tree


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def read_fifo(path: Path, into: list[bytes]) -> threading.Thread:
    def reader() -> None:
        with open(path, "rb") as f:
            into.append(f.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    return thread


# -- regular files -----------------------------------------------------------------------------

def test_writes_the_data_and_leaves_no_temp(tmp_path: Path) -> None:
    out = tmp_path / "a.json"
    assert write_atomic(out, "one") == out
    write_atomic(out, b"two")
    assert out.read_text() == "two"
    assert temps(tmp_path) == []


def test_a_new_file_follows_the_umask(tmp_path: Path, umask: None) -> None:
    assert stat.S_IMODE(write_atomic(tmp_path / "a", "x").stat().st_mode) == 0o644
    os.umask(0o077)
    assert stat.S_IMODE(write_atomic(tmp_path / "b", "x").stat().st_mode) == 0o600


def test_a_replaced_file_keeps_its_mode(tmp_path: Path, umask: None) -> None:
    out = tmp_path / "secret.json"
    out.write_text("old")
    out.chmod(0o640)
    write_atomic(out, "new")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640 and out.read_text() == "new"


def test_a_failed_write_is_typed_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "a.json"
    out.write_text("old")

    def refuse(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(UsageError, match=r"out: cannot write '.*a\.json': Permission denied"):
        write_atomic(out, "new", "out")
    assert out.read_text() == "old" and temps(tmp_path) == []


def test_a_full_device_is_a_typed_error() -> None:
    with pytest.raises(UsageError, match="cannot write '/dev/full': No space left on device"):
        write_atomic("/dev/full", "x" * 10000, "--json")


# -- temp files left by a killed writer --------------------------------------------------------

def dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_temps_of_dead_writers_are_removed_by_the_next_write(tmp_path: Path) -> None:
    stale = tmp_path / f".a.json.{dead_pid()}.0badc0de.tmp"
    stale.write_text("half")
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        busy = tmp_path / f".a.json.{live.pid}.1234abcd.tmp"  # a writer still running
        busy.write_text("half")
        other = tmp_path / f".b.json.{dead_pid()}.0badc0de.tmp"  # another file's temp
        other.write_text("half")
        write_atomic(tmp_path / "a.json", "whole")
        assert not stale.exists() and busy.exists() and other.exists()
    finally:
        live.kill()
        live.wait()
    assert (tmp_path / "a.json").read_text() == "whole"


KILLED_WRITER = """
import os, sys, time
from covenant_lab import fileio
def stall(fd):
    print("writing", flush=True)
    time.sleep(60)
os.fsync = stall
fileio.write_atomic(sys.argv[1], "x" * 100000)
"""


def test_a_writer_killed_mid_write_leaves_nothing_after_the_next_write(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    out.write_text("before")
    with subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(out)],
                          stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None and proc.stdout.readline() == "writing\n"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert len(temps(tmp_path)) == 1 and out.read_text() == "before"  # the kill's leftover
    write_atomic(out, "after")
    assert temps(tmp_path) == [] and out.read_text() == "after"


# -- FIFOs, devices, links -----------------------------------------------------------------------

def test_a_fifo_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    thread = read_fifo(fifo, got)
    write_atomic(fifo, "through the pipe")
    thread.join(10)
    assert got == [b"through the pipe"] and stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_fifo_nobody_reads_is_refused_after_the_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fileio, "FIFO_WAIT_S", 0.2)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    t0 = time.monotonic()
    with pytest.raises(UsageError, match=r"--trace: '.*pipe' is a FIFO no process read"):
        write_atomic(fifo, "x", "--trace")
    assert time.monotonic() - t0 < 5 and stat.S_ISFIFO(fifo.lstat().st_mode)
    assert temps(tmp_path) == []


def test_a_character_device_is_written_in_place() -> None:
    write_atomic("/dev/null", "nothing")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_link_to_a_device_is_written_through(tmp_path: Path) -> None:
    link = tmp_path / "null"
    link.symlink_to("/dev/null")
    write_atomic(link, "x")
    assert link.is_symlink() and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_link_to_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "arch.yaml"
    target.write_text("keep")
    link = tmp_path / "out.json"
    link.symlink_to(target)
    with pytest.raises(UsageError, match="is a symbolic link") as info:
        write_atomic(link, "x", "--json")
    assert info.value.hint is not None and str(target) in info.value.hint
    assert link.is_symlink() and target.read_text() == "keep"
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(UsageError, match="is a symbolic link"):
        check_output(dangling)
    assert not (tmp_path / "nowhere").exists()


# -- refused output paths ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("{tmp}", "is a directory"),
        ("/", "ends with a slash"),
        ("/proc", "is a directory"),
        ("/proc/covenant.json", "cannot create a file beside"),
        ("/sys/covenant.json", "cannot create a file beside"),
        ("{tmp}/no/such/dir/x.json", "does not exist"),
        ("{tmp}/new/", "ends with a slash"),
        ("{tmp}/a\0b.json", "contains a NUL byte"),
        ("", "the path is empty"),
        ("{tmp}/" + "n" * 300, "File name too long"),
        ("{tmp}/file/x.json", "is not a directory"),
        ("{tmp}/readonly.json", "is read-only"),
    ],
)
def test_bad_output_paths_are_refused_with_the_path(
    tmp_path: Path, path: str, message: str
) -> None:
    (tmp_path / "file").write_text("x")
    (tmp_path / "readonly.json").write_text("keep")
    (tmp_path / "readonly.json").chmod(0o444)
    target = path.format(tmp=tmp_path)
    with pytest.raises(UsageError, match=message) as info:
        write_atomic(target, "data", "compile: --json")
    assert str(info.value).startswith("compile: --json: ") and info.value.hint
    assert (tmp_path / "readonly.json").read_text() == "keep"
    assert not Path("/proc/covenant.json").exists()
    assert temps(tmp_path) == []


def test_an_unwritable_directory_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if ROOT:  # root writes anywhere: make os.access answer as for a user
        monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != locked)
    with pytest.raises(UsageError, match="is not writable"):
        check_output(locked / "x.json", "--asm")


# -- inputs --------------------------------------------------------------------------------------

def test_inputs_must_be_readable_regular_files(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    for name, message in [("missing.onnx", "does not exist"), (".", "is a directory"),
                          ("pipe", "is not a regular file"), ("a\0b", "NUL byte")]:
        with pytest.raises(UsageError, match=message):
            check_input(tmp_path / name if name != "a\0b" else name, "MODEL")
    good = tmp_path / "m.onnx"
    good.write_bytes(b"x")
    assert check_input(good) == good


def test_an_unreadable_input_is_a_typed_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "m.onnx"
    src.write_bytes(b"x")
    src.chmod(0)
    if ROOT:  # root reads anything: make the open fail as it does for a user
        def refuse(path: object, flags: int, mode: int = 0o777) -> int:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(UsageError, match=r"MODEL: cannot read '.*m\.onnx': Permission denied"):
        check_input(src, "MODEL")


def test_same_file_sees_links_and_spellings(tmp_path: Path) -> None:
    a = tmp_path / "a.yaml"
    a.write_text("x")
    os.link(a, tmp_path / "hard")
    (tmp_path / "soft").symlink_to(a)
    assert same_file(a, tmp_path / "hard") and same_file(a, tmp_path / "soft")
    assert same_file(a, tmp_path / "." / "a.yaml") and same_file("a.yaml", a)
    assert same_file(tmp_path / "new", tmp_path / "x" / ".." / "new")
    assert not same_file(a, tmp_path / "b.yaml")
