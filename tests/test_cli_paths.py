"""The paths the commands read and write: refused before any work with the option and the path,
never over an input, FIFOs kept, the umask followed, older bench folders explained."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from covenant_lab import fileio
from covenant_lab.acg.load import resolve_arch
from covenant_lab.cli import main

ROOT = os.geteuid() == 0
SMALL = ["--arch", "teaching", "--layer", "fc2"]  # one small layer: each run takes milliseconds


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a relative path never lands in the source tree


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test when a command starts its work (compile, bench, report rendering)."""
    def work(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the work started before the paths were checked")

    import covenant_lab.analysis.report as report
    import covenant_lab.cli.bench as bench
    import covenant_lab.compiler.model as model

    monkeypatch.setattr(model, "compile_model", work)
    monkeypatch.setattr(bench, "run_bench", work)
    monkeypatch.setattr(report, "render_html", work)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """A model file, an architecture file, a directory, a read-only file, a link, a FIFO."""
    assert main(["model", "build", "lenet", "-o", str(tmp_path / "m.onnx")]) == 0
    arch = tmp_path / "a.yaml"
    arch.write_text(resolve_arch("teaching").read_text())
    (tmp_path / "dir").mkdir()
    readonly = tmp_path / "readonly.json"
    readonly.write_text("keep")
    readonly.chmod(0o444)
    (tmp_path / "link.json").symlink_to(arch)
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "results").mkdir()
    return {"model": tmp_path / "m.onnx", "arch": arch}


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


BAD_OUTPUTS = [
    ("dir", "is a directory"),
    ("/", "ends with a slash"),
    ("/proc", "is a directory"),
    ("/proc/covenant.json", "cannot create a file beside"),
    ("/sys/covenant.json", "cannot create a file beside"),
    ("no/such/dir/x.json", "does not exist"),
    ("a\0b.json", "contains a NUL byte"),
    ("readonly.json", "is read-only"),
    ("link.json", "is a symbolic link"),
    ("m.onnx/x.json", "is not a directory"),
]
COMMANDS = [
    (["compile", "lenet", *SMALL], "--json"),
    (["compile", "lenet", *SMALL], "--asm"),
    (["simulate", "lenet", *SMALL], "--json"),
    (["simulate", "lenet", *SMALL], "--trace"),
    (["report", "results"], "--html"),
]


@pytest.mark.parametrize(("path", "message"), BAD_OUTPUTS)
@pytest.mark.parametrize(("argv", "option"), COMMANDS)
def test_bad_outputs_are_refused_before_any_work(
    files: dict[str, Path], no_work: None, capsys: pytest.CaptureFixture[str],
    argv: list[str], option: str, path: str, message: str,
) -> None:
    assert main([*argv, option, path]) == 2
    err = capsys.readouterr().err
    shown = path.replace("\0", "\\0")
    assert err.startswith(f"error: {argv[0]}: {option}: ") and message in err, err
    assert shown in err and "\nhint: " in err
    assert files["arch"].read_text().startswith(resolve_arch("teaching").read_text()[:40])
    assert Path("readonly.json").read_text() == "keep"


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("m.onnx", "exists and is not a directory"),
        ("/proc/covenant-bench", "cannot create the directory"),
        ("/sys/covenant-bench", "cannot create the directory"),
        ("m.onnx/x", "cannot create the directory"),
        ("a\0b", "contains a NUL byte"),
        ("held", "is read-only"),
        ("taken", "is a directory"),
    ],
)
def test_bad_bench_folders_are_refused_before_any_work(
    files: dict[str, Path], no_work: None, capsys: pytest.CaptureFixture[str],
    out: str, message: str,
) -> None:
    Path("held").mkdir()
    (Path("held") / "summary.json").write_text("{}")
    (Path("held") / "summary.json").chmod(0o444)
    (Path("taken") / "layers.csv").mkdir(parents=True)
    argv = ["bench", "--arch", "teaching", "--layers", "lenet_fc1", "--no-models", "--out", out]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: bench: --out") and message in err and "\nhint: " in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compile", "m.onnx", "--arch", "a.yaml", "--json", "a.yaml"], "--arch"),
        (["compile", "m.onnx", "--arch", "a.yaml", "--asm", "m.onnx"], "MODEL"),
        (["compile", "m.onnx", "--arch", "a.yaml", "--asm", "./sub/../m.onnx"], "MODEL"),
        (["compile", "m.onnx", "--arch", "a.yaml", "--json", "hard.yaml"], "--arch"),
        (["simulate", "lenet", "--arch", "a.yaml", "--trace", "a.yaml"], "--arch"),
        (["simulate", "lenet", "--arch", "a.yaml", "--json", "x.json", "--trace", "x.json"],
         "--json"),
        (["compile", "lenet", "--arch", "teaching", "--json", "SHIPPED"], "--arch"),
        (["report", "results", "--html", "results/results.json"], "is the input"),
    ],
)
def test_outputs_never_overwrite_inputs(
    files: dict[str, Path], no_work: None, capsys: pytest.CaptureFixture[str],
    argv: list[str], message: str,
) -> None:
    Path("sub").mkdir()
    os.link("a.yaml", "hard.yaml")
    Path("results/results.json").write_text("{}")
    shipped = resolve_arch("teaching")
    argv = [str(shipped) if a == "SHIPPED" else a for a in argv]
    before = {p: p.read_bytes() for p in (*files.values(), shipped)}
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "is the same file as" in err or "is the input" in err, err
    assert message in err
    assert before == {p: p.read_bytes() for p in before}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compile", "dir", "--arch", "teaching"], "compile: MODEL: 'dir' is a directory"),
        (["compile", "gone.onnx", "--arch", "teaching"],
         "compile: MODEL 'gone.onnx' is neither a file nor a built-in model"),
        (["simulate", "pipe", "--arch", "teaching"], "'pipe' is not a regular file"),
        (["compile", "lenet", "--arch", "dir/"], "compile: --arch: 'dir/' is a directory"),
        (["compile", "lenet", "--arch", "gone.yaml"], "'gone.yaml' not found"),
        (["compile", "unreadable.onnx", "--arch", "teaching"],
         "compile: MODEL: cannot read 'unreadable.onnx': Permission denied"),
        (["report", "gone", "--html", "r.html"], "report: 'gone' does not exist"),
        (["report", "m.onnx", "--html", "r.html"], "report: 'm.onnx' is not a directory"),
        (["report", "dir", "--html", "r.html"], "no results.json in dir"),
        (["report", "jsondir", "--html", "r.html"], "is a directory, not a file"),
    ],
)
def test_bad_inputs_are_typed_errors_naming_the_path(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, no_work: None,
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str,
) -> None:
    Path("unreadable.onnx").write_bytes(files["model"].read_bytes())
    Path("unreadable.onnx").chmod(0)
    (Path("jsondir") / "results.json").mkdir(parents=True)
    if ROOT:  # root reads anything: fail the open as it fails for a user
        real_open = os.open

        def user_open(path: Any, flags: int, mode: int = 0o777, **kw: Any) -> int:
            if str(path) == "unreadable.onnx":
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, flags, mode, **kw)

        monkeypatch.setattr(os, "open", user_open)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "\nhint: " in err, err


OLDER = [
    "{}",
    "[1, 2]",
    "not json",
    '{"archs": {}, "layers": [], "summary": {}}',
    '{"archs": {}, "layers": [1], "summary": {"archs": {}, "sim_speed": {}}}',
    '{"archs": [], "layers": [], "summary": {"archs": {}, "sim_speed": {}}}',
    '{"archs": {"t": {}}, "layers": [], "summary": {"archs": {"t": {}}, "sim_speed": {},'
    ' "mode": "quick"}}',
]


@pytest.mark.parametrize("text", OLDER)
def test_report_on_an_older_bench_folder_says_to_run_bench_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "results.json").write_text(text)
    assert main(["report", "old", "--html", "r.html"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: report: ") and "results.json" in err, err
    assert "older or a different `covenant bench`" in err and "covenant bench --out" in err
    assert not (tmp_path / "r.html").exists()


def test_a_fifo_output_is_written_in_place(tmp_path: Path) -> None:
    os.mkfifo("pipe")
    got: list[bytes] = []

    def reader() -> None:
        with open("pipe", "rb") as f:
            got.append(f.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    assert main(["compile", "lenet", *SMALL, "--json", "pipe"]) == 0
    thread.join(10)
    assert json.loads(got[0])["layers"][0]["layer"] == "fc2"
    assert stat.S_ISFIFO(os.lstat("pipe").st_mode)


def test_a_fifo_nobody_reads_is_a_typed_error_and_stays_a_fifo(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(fileio, "FIFO_WAIT_S", 0.2)
    os.mkfifo("pipe")
    assert main(["simulate", "lenet", *SMALL, "--trace", "pipe"]) == 2
    assert "simulate: --trace: 'pipe' is a FIFO no process read" in capsys.readouterr().err
    assert stat.S_ISFIFO(os.lstat("pipe").st_mode)


def test_dev_null_stays_a_device() -> None:
    assert main(["compile", "lenet", *SMALL, "--json", "/dev/null", "--asm", "x.s"]) == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode) and Path("x.s").read_text()


def test_written_files_follow_the_umask(umask: None) -> None:
    assert main(["compile", "lenet", *SMALL, "--json", "c.json", "--asm", "c.s"]) == 0
    assert main(["simulate", "lenet", *SMALL, "--json", "s.json", "--trace", "t.json"]) == 0
    for name in ("c.json", "c.s", "s.json", "t.json"):
        assert stat.S_IMODE(os.stat(name).st_mode) == 0o644, name
    assert not [p for p in Path().iterdir() if p.name.endswith(".tmp")]


def test_explicit_outputs_go_anywhere_even_a_checkout(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    (checkout / ".git").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("[project]\nname = 'covenant_lab'\n")
    assert main(["model", "build", "lenet", "-o", str(checkout / "m.onnx")]) == 0
    assert main(["compile", "lenet", *SMALL, "--json", str(checkout / "c.json")]) == 0
    assert (checkout / "m.onnx").stat().st_size and (checkout / "c.json").stat().st_size
