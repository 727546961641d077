"""Every code block of README.md runs as written, as a newcomer would run it.

- Python blocks: the Python blocks of one section (``## ...``) run in order in one fresh
  interpreter (a later block may use names an earlier one made, as a reader running them in
  turn would); each section gets its own interpreter. Working directory: a temporary folder.
- Shell blocks (bash): each runs with ``bash -e -o pipefail`` in a temporary folder, with the
  virtual environment's ``bin`` first on PATH; every output the commands name (``--out``,
  ``--json``, ``--html``...) must exist afterwards.
- A block is not run only when the line before its fence says why, in an HTML comment::

      <!-- readme-test: make-targets (why) -->   the block's `make X` lines name Makefile
                                                targets (checked); nothing is run
      <!-- readme-test: skip (why) -->           not run at all

  The list of such blocks is kept minimal: today only the two setup commands (they install
  into .venv, and ``make lab`` starts a server); ``test_blocks_not_run_are_only_the_setup``
  fails when another block is marked.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MARKER = re.compile(r"<!--\s*readme-test:\s*([a-z-]+)\s*(?:\((.*)\))?\s*-->")
SHELLS = ("bash", "sh", "shell")
OUTPUT_OPTIONS = ("--out", "--json", "--asm", "--trace", "--html", "-o", "--output")
TIMEOUT_S = 1800  # the shell block runs the quick benchmark: minutes on a busy machine


@dataclass(frozen=True)
class Block:
    section: str
    lang: str
    line: int  # of the opening fence, 1-based
    code: str
    marker: str | None  # make-targets | skip | None
    reason: str


def readme_blocks(text: str) -> list[Block]:
    """The fenced code blocks of a Markdown text, with their section and marker."""
    blocks: list[Block] = []
    lines = text.splitlines()
    section = "(top)"
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            section = line[3:].strip()
        if line.startswith("```"):
            lang = line[3:].strip()
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            before = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
            found = MARKER.search(before)
            blocks.append(Block(section, lang, i + 1, "\n".join(lines[i + 1:j]) + "\n",
                                found.group(1) if found else None,
                                (found.group(2) or "") if found else ""))
            i = j
        i += 1
    return blocks


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))
PYTHON_SECTIONS = sorted({b.section for b in BLOCKS if b.lang == "python" and not b.marker})
SHELL_BLOCKS = [b for b in BLOCKS if b.lang in SHELLS and not b.marker]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONPATH", None)
    return env


def _check(proc: subprocess.CompletedProcess[str], what: str) -> None:
    if proc.returncode != 0 or "Traceback (most recent call last)" in proc.stderr:
        pytest.fail(f"{what} exited {proc.returncode}\n--- stdout (end)\n{proc.stdout[-3000:]}"
                    f"\n--- stderr (end)\n{proc.stderr[-3000:]}")


def test_the_readme_has_the_blocks_this_test_expects():
    assert PYTHON_SECTIONS == ["Quickstart"]
    assert len(SHELL_BLOCKS) == 1 and "covenant" in SHELL_BLOCKS[0].code
    for block in BLOCKS:  # every block is runnable here, or says why it is not
        assert block.lang in ("python", *SHELLS) or block.marker, (block.line, block.lang)
        assert block.marker in (None, "make-targets", "skip"), (block.line, block.marker)
        assert not block.marker or block.reason, f"line {block.line}: say why it is not run"


def test_blocks_not_run_are_only_the_setup():
    not_run = [b for b in BLOCKS if b.marker]
    assert [(b.marker, b.code.split()[:2]) for b in not_run] == [("make-targets", ["make", "lab"])]
    assert "starts a server" in not_run[0].reason


def _make_targets(makefile: str) -> set[str]:
    targets = set()
    for line in makefile.splitlines():
        found = re.match(r"^([A-Za-z0-9_.-]+(?:\s+[A-Za-z0-9_.-]+)*)\s*:(?!=)", line)
        if found:
            targets.update(found.group(1).split())
    return targets


def test_setup_commands_name_makefile_targets():
    targets = _make_targets((ROOT / "Makefile").read_text(encoding="utf-8"))
    for block in (b for b in BLOCKS if b.marker == "make-targets"):
        commands = [ln.split("#", 1)[0].split() for ln in block.code.splitlines()]
        commands = [c for c in commands if c]
        assert commands, block.line
        for command in commands:
            assert command[0] == "make" and len(command) == 2, command
            assert command[1] in targets, f"README line {block.line}: no target {command[1]}"


def test_binder_badge_agrees_with_binder_readme():
    link = re.compile(r"https://mybinder\.org/v2/gh/[^)\s]+")
    ours = set(link.findall(README.read_text(encoding="utf-8")))
    binder = set(link.findall((ROOT / "binder" / "README.md").read_text(encoding="utf-8")))
    assert len(ours) == 1 and ours <= binder, (ours, binder)
    assert "/OWNER/covenant_lab/" in next(iter(ours))  # the one placeholder, explained there


@pytest.mark.slow
@pytest.mark.parametrize("section", PYTHON_SECTIONS)
def test_python_blocks_run(section, tmp_path):
    blocks = [b for b in BLOCKS if b.section == section and b.lang == "python" and not b.marker]
    script = "\n".join(b.code for b in blocks)
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    _check(proc, f"README section {section!r} (Python, from line {blocks[0].line})")
    assert proc.stdout.strip(), "the blocks print what they compute"
    if section == "Quickstart":  # its last line: the simulated cycles and the ideal bound
        cycles, ideal = proc.stdout.split()[-2:]
        assert int(cycles) >= float(ideal) > 0


def _outputs(code: str) -> list[str]:
    """The paths a shell block names after an output option."""
    outs = []
    for line in code.splitlines():
        words = shlex.split(line, comments=True)
        outs += [words[k + 1] for k, w in enumerate(words[:-1]) if w in OUTPUT_OPTIONS]
    return outs


@pytest.mark.slow
@pytest.mark.parametrize("block", SHELL_BLOCKS, ids=lambda b: f"line{b.line}")
def test_shell_blocks_run(block, tmp_path):
    proc = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", block.code], cwd=tmp_path,
                          env=_env(), capture_output=True, text=True, timeout=TIMEOUT_S,
                          check=False)
    _check(proc, f"README shell block at line {block.line}")
    outputs = _outputs(block.code)
    assert outputs, "the block writes files"
    for out in outputs:
        assert (tmp_path / out).exists(), f"README line {block.line}: {out} was not written"
    assert "is a valid architecture" in proc.stdout
