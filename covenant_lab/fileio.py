"""Reading and writing the files a user names: the one place that decides what is allowed.

Outputs (:func:`check_output`, :func:`write_atomic`):

- a regular file (new or existing) is written through a temp file in the same directory and a
  rename, so a crash never leaves a half-written file. A new file follows the umask (0644
  under umask 022); a replaced file keeps its permission bits. The temp file is named
  ``.NAME.<pid>.<token>.tmp``; a writer killed before its rename leaves one behind, and the
  next write to the same path removes the temps of writers that are no longer running.
- a FIFO or a character device (``/dev/null``, a terminal) is written in place, as ``tee``
  would, and never replaced. A FIFO with no reader is waited for :data:`FIFO_WAIT_S` seconds,
  then refused.
- refused, before any work: a directory, a symbolic link (except one to a FIFO or a character
  device, such as ``/dev/stdout`` on a terminal or a pipe), a read-only file, any other
  special file, a path with a NUL byte or a trailing slash, a missing or unwritable directory
  (``/proc``, ``/sys``).

Inputs (:func:`check_input`): a regular file that can be opened for reading; directories,
FIFOs and devices are refused (reading a FIFO nobody writes would wait forever).

Every refusal and every ``OSError`` of a read or write becomes a :class:`UsageError` naming
the path. Where to write is the user's choice: any path passing these checks is allowed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from pathlib import Path

from covenant_lab.errors import UsageError

__all__ = ["FIFO_WAIT_S", "check_input", "check_output", "remove_stale_temps", "same_file",
           "write_atomic"]

FIFO_WAIT_S = 10.0  # how long a write waits for a reader to open a FIFO
_TEMP_NAME_MAX = 200  # characters of the target's name kept in a temp file's name
_HINT_PATH = "give a file path in an existing, writable directory"


def _fail(where: str, path: str | Path, what: str, hint: str = _HINT_PATH) -> UsageError:
    return UsageError(f"{where}: '{path}' {what}", hint=hint)


def _os_error(where: str, path: str | Path, doing: str, exc: OSError) -> UsageError:
    reason = exc.strerror or str(exc)
    return UsageError(f"{where}: cannot {doing} '{path}': {reason}", hint=_HINT_PATH)


def _text(path: str | Path) -> str:
    return os.fspath(path)


def _lstat(path: Path, where: str) -> os.stat_result | None:
    """``lstat`` of ``path``; None when nothing is there."""
    try:
        return path.lstat()
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise _fail(where, path,
                    f"cannot be written: '{path.parent}' is not a directory") from None
    except OSError as exc:
        raise _os_error(where, path, "inspect", exc) from None


def _is_stream(mode: int) -> bool:
    """A FIFO or a character device: written in place, never replaced."""
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def check_output(path: str | Path, where: str = "write") -> Path:
    """The output file ``path`` if it may be written, else a :class:`UsageError` saying why.

    ``where`` names the caller in messages (e.g. ``"compile: --json"``). Side effects: a
    probe file is created and removed in the directory of a regular-file output.
    """
    text = _text(path)
    if "\0" in text:
        raise _fail(where, text.replace("\0", "\\0"), "contains a NUL byte")
    if not text:
        raise UsageError(f"{where}: the path is empty", hint=_HINT_PATH)
    if text.endswith(("/", os.sep)):
        raise _fail(where, text, "ends with a slash: a file name is needed",
                    hint="give a file name, e.g. DIR/out.json")
    out = Path(text)
    st = _lstat(out, where)
    if st is not None and not _check_existing(out, st, where):
        return out  # a FIFO or a character device: written in place
    parent = out.parent
    try:
        pst = parent.stat()
    except FileNotFoundError:
        raise _fail(where, out, f"cannot be written: directory '{parent}' does not exist",
                    hint=f"create it first (mkdir -p {parent}) or choose another path") from None
    except OSError as exc:
        raise _os_error(where, parent, "inspect", exc) from None
    if not stat.S_ISDIR(pst.st_mode):
        raise _fail(where, out, f"cannot be written: '{parent}' is not a directory")
    _probe(out, where)
    return out


def _check_existing(out: Path, st: os.stat_result, where: str) -> bool:
    """Refuse what may not be written; True for a regular file (to be replaced), False for
    a stream (written in place)."""
    if stat.S_ISLNK(st.st_mode):
        _check_link(out, where)
        return False
    if stat.S_ISDIR(st.st_mode):
        raise _fail(where, out, "is a directory",
                    hint=f"give a file name inside it, e.g. {out / 'out.json'}")
    if _is_stream(st.st_mode):
        if not os.access(out, os.W_OK):
            raise _fail(where, out, "is not writable", hint="choose another path")
        return False
    if not stat.S_ISREG(st.st_mode):
        raise _fail(where, out, "is a special file (socket or block device)",
                    hint="give a regular file, a FIFO or a character device")
    if not st.st_mode & 0o222:
        raise _fail(where, out, f"is read-only (mode {stat.filemode(st.st_mode)})",
                    hint="make it writable (chmod u+w) or choose another path")
    return True


def _check_link(link: Path, where: str) -> None:
    """A symbolic link: written through when it leads to a FIFO or a character device."""
    target = os.path.realpath(link)
    try:
        st: os.stat_result | None = os.stat(link)
    except OSError:
        st = None  # a dangling link or a loop
    if st is not None and _is_stream(st.st_mode):
        if not os.access(link, os.W_OK):
            raise _fail(where, link, "is not writable", hint="choose another path")
        return
    raise _fail(where, link, f"is a symbolic link (to '{target}'); covenant neither writes "
                "through links nor replaces them",
                hint=f"give the target '{target}' itself, or another path")


def _probe(out: Path, where: str) -> None:
    """Create and remove a temp file beside ``out``: the directory really takes new files
    (``os.access`` says yes to root in ``/proc``)."""
    parent = out.parent
    if not os.access(parent, os.W_OK | os.X_OK):
        raise _fail(where, out, f"cannot be written: directory '{parent}' is not writable",
                    hint="choose a directory you can write to")
    try:
        fd, tmp = _create_temp(out, 0o600)
    except OSError as exc:
        raise _os_error(where, out, "create a file beside", exc) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when ``a`` and ``b`` are the same file (a link, a hard link or the same path)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        try:
            return Path(a).resolve() == Path(b).resolve()
        except (OSError, ValueError, RuntimeError):
            return False


def check_input(path: str | Path, where: str = "read") -> Path:
    """The input file ``path`` if it is a regular file that can be read, else a
    :class:`UsageError` naming it."""
    text = _text(path)
    if "\0" in text:
        raise _fail(where, text.replace("\0", "\\0"), "contains a NUL byte",
                    hint="check the path")
    src = Path(text)
    try:
        st = src.stat()
    except FileNotFoundError:
        raise _fail(where, text, "does not exist", hint="check the path") from None
    except OSError as exc:
        raise _os_error(where, text, "read", exc) from None
    if stat.S_ISDIR(st.st_mode):
        raise _fail(where, text, "is a directory, not a file", hint="give a file inside it")
    if not stat.S_ISREG(st.st_mode):
        raise _fail(where, text, "is not a regular file (a FIFO, socket or device)",
                    hint="save the content to a file and give that file")
    try:
        os.close(os.open(src, os.O_RDONLY | os.O_CLOEXEC))
    except OSError as exc:
        raise _os_error(where, text, "read", exc) from None
    return src


# -- writing ---------------------------------------------------------------------------------

def _temp_prefix(out: Path) -> str:
    return f".{out.name[:_TEMP_NAME_MAX]}."


def _create_temp(out: Path, mode: int) -> tuple[int, str]:
    """A new temp file beside ``out`` named ``.NAME.<pid>.<token>.tmp`` (mode minus umask)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    for _ in range(100):
        tmp = str(out.parent / f"{_temp_prefix(out)}{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, flags, mode), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temp file name", str(out.parent))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process, or pid out of range: leave its file alone
    return True


def remove_stale_temps(out: Path) -> list[Path]:
    """Remove the temp files of earlier writes to ``out`` whose writer is no longer running
    (killed before its rename); return them."""
    pattern = re.compile(re.escape(_temp_prefix(out)) + r"(\d+)\.[0-9a-f]+\.tmp")
    removed: list[Path] = []
    try:
        entries = list(os.scandir(out.parent))
    except OSError:
        return removed
    for entry in entries:
        m = pattern.fullmatch(entry.name)
        if m is None or _alive(int(m.group(1))):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def write_atomic(path: str | Path, data: str | bytes, where: str = "write") -> Path:
    """Write ``data`` to ``path`` (checked by :func:`check_output`): a regular file through a
    temp file and a rename, a FIFO or character device in place."""
    out = check_output(path, where)
    payload = data.encode() if isinstance(data, str) else data
    try:
        st: os.stat_result | None = out.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _os_error(where, out, "inspect", exc) from None
    if st is not None and _is_stream(st.st_mode):
        _write_in_place(out, payload, stat.S_ISFIFO(st.st_mode), where)
        return out
    remove_stale_temps(out)
    mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666
    tmp = ""
    try:
        fd, tmp = _create_temp(out, mode)
        with os.fdopen(fd, "wb") as f:
            if st is not None:
                os.fchmod(f.fileno(), mode)  # the replaced file's bits, umask or not
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out)
        tmp = ""
    except OSError as exc:
        raise _os_error(where, out, "write", exc) from None
    finally:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    _sync_dir(out.parent)
    return out


def _sync_dir(directory: Path) -> None:
    """Make the rename durable (best effort: some file systems refuse)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _open_stream(out: Path, fifo: bool, where: str) -> int:
    """Open a FIFO or device for writing without blocking; a FIFO waits up to
    :data:`FIFO_WAIT_S` seconds for a reader."""
    deadline = time.monotonic() + FIFO_WAIT_S
    while True:
        try:
            return os.open(out, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            if not (fifo and exc.errno == errno.ENXIO):
                raise _os_error(where, out, "open", exc) from None
        if time.monotonic() >= deadline:
            raise _fail(where, out, f"is a FIFO no process read within {FIFO_WAIT_S:g} s",
                        hint=f"start its reader first (e.g. `cat {out} &`), or write to a file")
        time.sleep(0.05)


def _write_in_place(out: Path, payload: bytes, fifo: bool, where: str) -> None:
    fd = _open_stream(out, fifo, where)
    try:
        os.set_blocking(fd, True)  # like tee: wait for the reader to take the data
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view):]
    except BrokenPipeError:
        raise _fail(where, out, "was closed by its reader before all the output was written",
                    hint="keep the reader open until covenant ends") from None
    except OSError as exc:
        raise _os_error(where, out, "write", exc) from None
    finally:
        os.close(fd)
