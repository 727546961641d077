"""``covenant`` starts fast: help and ``arch check`` import neither onnx, jsonschema nor bokeh
(each took seconds to import); every command and option has a help text; a closed pipe ends a
command quietly."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from covenant_lab.cli import GROUPS, build_parser, main

# runs main(argv) in a fresh interpreter, then prints the modules it imported
PROBE = """
import json, sys
from covenant_lab.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print("\\nMODULES", json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

HEAVY = ("onnx", "jsonschema", "bokeh")


def _imported(argv: list[str], cwd: Path) -> tuple[int, set[str], str]:
    proc = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    last = proc.stdout.rstrip().rsplit("\n", 1)[-1]
    assert last.startswith("MODULES "), proc.stdout[-2000:] + proc.stderr[-2000:]
    doc = json.loads(last.removeprefix("MODULES "))
    return doc["code"], set(doc["modules"]), proc.stdout


def _tops(modules: set[str]) -> set[str]:
    return {m.partition(".")[0] for m in modules}


@pytest.mark.parametrize("argv", [["--help"], ["compile", "--help"], ["model", "--help"],
                                  ["model", "summary", "--help"]])
def test_help_imports_no_heavy_package(argv, tmp_path):
    code, modules, out = _imported(argv, tmp_path)
    assert code == 0
    assert "usage: covenant" in out
    assert not _tops(modules) & set(HEAVY), sorted(m for m in modules if _tops({m}) & set(HEAVY))


def test_top_level_help_imports_not_even_numpy(tmp_path):
    code, modules, _ = _imported(["--help"], tmp_path)
    assert code == 0
    assert not _tops(modules) & {"numpy", "networkx", "yaml"}, sorted(modules)


def test_top_level_help_imports_no_command_group(tmp_path):
    code, modules, out = _imported(["--help"], tmp_path)
    assert code == 0
    assert not {f"covenant_lab.cli.{g}" for g in GROUPS} & modules
    for group, text in GROUPS.items():
        assert group in out and text.split(":")[0] in out


@pytest.mark.parametrize("argv", [["arch", "check", "genesys"],
                                  ["arch", "check", "genesys", "--no-probes"]])
def test_arch_check_imports_no_onnx_jsonschema_or_bokeh(argv, tmp_path):
    code, modules, out = _imported(argv, tmp_path)
    assert code == 0, out
    assert "is a valid architecture" in out
    assert not _tops(modules) & set(HEAVY), sorted(m for m in modules if _tops({m}) & set(HEAVY))


def test_the_top_level_lines_are_each_groups_own_help():
    for group, text in GROUPS.items():
        sub = next(a for a in build_parser(group)._actions
                   if isinstance(a, argparse._SubParsersAction))
        (choice,) = sub._choices_actions
        assert (choice.dest, choice.help) == (group, text)


def _undocumented(parser: argparse.ArgumentParser, path: str) -> list[str]:
    gaps = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helped = {c.dest for c in action._choices_actions if c.help}
            for name, sub in action.choices.items():
                if name not in helped:
                    gaps.append(f"{path} {name} (the command)")
                gaps += _undocumented(sub, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction) and not action.help:
            name = "/".join(action.option_strings) or action.metavar or action.dest
            gaps.append(f"{path} {name}")
    return gaps


def test_every_command_and_option_has_help():
    assert _undocumented(build_parser(), "covenant") == []


def test_help_texts_named_in_issue_13(capsys):
    with pytest.raises(SystemExit):
        main(["arch", "show", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--format {dot,svg,json} dot: Graphviz source" in out
    with pytest.raises(SystemExit):
        main(["model", "summary", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "MODEL an .onnx file, or a built-in model name (resnet18, resnet50" in out


def test_unknown_command_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as info:
        main(["compil"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'compil'" in err
    assert all(repr(g) in err for g in GROUPS)


def test_a_closed_pipe_ends_quietly(tmp_path):
    read, write = os.pipe()
    os.close(read)  # nobody reads: the first write fails (as with `| head` after it exits)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "covenant_lab", "arch", "show", "teaching", "--format", "json"],
            cwd=tmp_path, stdout=write, stderr=subprocess.PIPE, text=True, timeout=120,
            check=False)
    finally:
        os.close(write)
    assert proc.returncode == 141
    assert proc.stderr == ""
