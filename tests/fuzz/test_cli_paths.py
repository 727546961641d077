"""Fuzz the paths of compile, simulate and report: outputs that are directories, ``/``, ``/proc``
and ``/sys`` entries, missing folders, NUL bytes, the command's own inputs, FIFOs nobody reads,
links, read-only files, devices and random names, with flag combinations on one small layer.

Every case ends in a ``CovenantError`` or is accepted; afterwards the inputs are unchanged, a
FIFO is still a FIFO, a link still a link, no temp file is left, an accepted output is a file
following the umask.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from covenant_lab import fileio
from covenant_lab.acg.load import resolve_arch
from covenant_lab.cli import build_parser
from covenant_lab.models import BUILDERS
from tests.fuzz.conftest import FUZZ, run_case

MODEL = BUILDERS["lenet"]().SerializeToString()
ARCH = resolve_arch("teaching").read_text()
OPTIONS = {"compile": ("--json", "--asm"), "simulate": ("--json", "--trace"),
           "report": ("--html",)}
KINDS = ("dir", "root", "proc", "sys", "missing_dir", "nul", "input", "other_input", "fifo",
         "link_file", "link_dangling", "readonly", "trailing_slash", "file_parent", "long",
         "dev_null", "dev_full", "name", "name", "same_as_first")
NAMES = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="/"), max_size=16)


@pytest.fixture(autouse=True)
def _quick_fifo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(fileio, "FIFO_WAIT_S", 0.05)  # a FIFO nobody reads: refused quickly
    old = os.umask(0o022)
    yield
    os.umask(old)


def _setup(d: Path) -> dict[str, Path]:
    (d / "m.onnx").write_bytes(MODEL)
    (d / "a.yaml").write_text(ARCH)
    (d / "results").mkdir()
    (d / "results" / "results.json").write_text('{"archs": {}, "layers": [], "summary": {}}')
    (d / "sub").mkdir()
    os.mkfifo(d / "pipe")
    (d / "link").symlink_to(d / "a.yaml")
    (d / "dangling").symlink_to(d / "nowhere")
    (d / "ro.json").write_text("keep")
    (d / "ro.json").chmod(0o444)
    return {"model": d / "m.onnx", "arch": d / "a.yaml",
            "results": d / "results" / "results.json"}


def _path(kind: str, name: str, d: Path, command: str, first: str) -> str:
    inputs = ({"input": d / "results" / "results.json", "other_input": d / "results"}
              if command == "report" else {"input": d / "m.onnx", "other_input": d / "a.yaml"})
    fixed = {"dir": d / "sub", "root": "/", "proc": "/proc/covenant-fuzz",
             "sys": "/sys/covenant-fuzz", "missing_dir": d / "missing" / "x.json",
             "fifo": d / "pipe", "link_file": d / "link", "link_dangling": d / "dangling",
             "readonly": d / "ro.json", "file_parent": d / "m.onnx" / "x.json",
             "long": d / ("n" * 300), "dev_null": "/dev/null", "dev_full": "/dev/full", **inputs}
    if kind in fixed:
        return str(fixed[kind])
    if kind == "nul":
        return f"{d}/{name}\0.json"
    if kind == "trailing_slash":
        return f"{d}/{name}/"
    if kind == "same_as_first" and first:
        return first
    return f"{d}/{name}"  # a random name: never leaves d (no '/' in it)


def _run(argv: list[str]) -> object:
    """The command itself, so that a CovenantError reaches run_case."""
    args = build_parser(argv[0]).parse_args(argv)
    return args.func(args)


def _check_after(d: Path, inputs: dict[Path, bytes], outs: list[str], outcome: str) -> None:
    assert all(p.read_bytes() == data for p, data in inputs.items())
    assert stat.S_ISFIFO(os.lstat(d / "pipe").st_mode)
    assert (d / "link").is_symlink() and (d / "ro.json").read_text() == "keep"
    assert not (d / "nowhere").exists()
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    left = [p for p in d.rglob("*") if p.name.endswith(".tmp")]
    assert not left, left
    if outcome == "accepted":
        for out in outs:
            st_ = os.stat(out)
            assert stat.S_ISCHR(st_.st_mode) or stat.S_IMODE(st_.st_mode) == 0o644, out


@FUZZ
@given(command=st.sampled_from(list(OPTIONS)),
       kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=2),
       names=st.lists(NAMES, min_size=2, max_size=2),
       model_file=st.booleans(), arch_file=st.booleans(),
       extra=st.sampled_from([[], ["--no-fuse"], ["--check"]]))
def test_bad_output_paths_end_in_a_typed_error(
    command: str, kinds: list[str], names: list[str], model_file: bool, arch_file: bool,
    extra: list[str],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        files = _setup(d)
        outs: list[str] = []
        argv = [command]
        used = [files["results"]] if command == "report" else (
            [files["model"]] * model_file + [files["arch"]] * arch_file)
        inputs = {p: p.read_bytes() for p in used}
        if command == "report":
            argv.append(str(d / "results"))
        else:
            argv += [str(files["model"]) if model_file else "lenet",
                     "--arch", str(files["arch"]) if arch_file else "teaching",
                     "--layer", "fc2", *(e for e in extra if e != "--check" or command ==
                                         "simulate")]
        for option, kind, name in zip(OPTIONS[command], kinds, names, strict=False):
            outs.append(_path(kind, name, d, command, outs[0] if outs else ""))
            argv += [option, outs[-1]]
        outcome = run_case("cli-paths", lambda: _run(argv), what=repr(argv))
        _check_after(d, inputs, outs, outcome)
