"""``covenant arch``: check, show and list architecture files."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from covenant_lab.cli.common import add_param_option, arch_from, parse_params


def register(subparsers: Any) -> None:
    """Add ``covenant arch {check,show,list}``."""
    parser = subparsers.add_parser("arch", help="check, show and list architecture files")
    sub = parser.add_subparsers(dest="arch_command", metavar="ACTION", required=True)

    check = sub.add_parser(
        "check", help="validate an architecture, probe that it compiles, print its summary"
    )
    _arch_arguments(check)
    check.add_argument("--strict", action="store_true", help="warnings are errors (exit 1)")
    check.add_argument("--no-probes", action="store_true",
                       help="skip the compile probes (static checks only, fast)")
    check.set_defaults(func=_check)

    show = sub.add_parser("show", help="print an architecture as DOT, SVG or JSON")
    _arch_arguments(show)
    show.add_argument(
        "--format",
        choices=("dot", "svg", "json"),
        default="dot",
        help="dot: Graphviz source (default); svg: drawn by Graphviz (the dot binary, else "
        "pygraphviz); json: the architecture's data, parameters resolved",
    )
    show.set_defaults(func=_show)

    names = sub.add_parser("list", help="list the shipped architectures")
    names.set_defaults(func=_list)


def _arch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("arch", metavar="FILE|NAME", help="a .yaml path or a shipped name")
    add_param_option(parser)


def _check(args: argparse.Namespace) -> int:
    from covenant_lab.acg.load import load_arch, read_yaml, resolve_arch
    from covenant_lab.analysis.arch_check import check_arch

    path = resolve_arch(args.arch)
    acg = load_arch(path, params=parse_params(args.param) or None)
    _, lines, _ = read_yaml(path.read_text(encoding="utf-8"), acg.source)
    report = check_arch(acg, lines, probes=not args.no_probes)
    print(acg.summary())
    for line in report.probe_lines():
        print(line)
    for warning in report.warnings:
        print(warning.render(acg.source))
    count = len(report.warnings)
    noun = f"{count} warning{'s' if count != 1 else ''}"
    if count and args.strict:
        print(f"error: {acg.source}: {noun} (--strict)", file=sys.stderr)
        return 1
    print(f"ok: {acg.source} is a valid architecture" + (f" ({noun})" if count else ""))
    return 0


def _show(args: argparse.Namespace) -> int:
    acg = arch_from(args)
    if args.format == "json":
        json.dump(acg.to_data(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        from covenant_lab.viz.dot import to_dot, to_svg

        sys.stdout.write(to_svg(acg) if args.format == "svg" else to_dot(acg))
    return 0


def _list(args: argparse.Namespace) -> int:
    from covenant_lab.acg.load import shipped_archs

    for name in shipped_archs():
        print(name)
    return 0
