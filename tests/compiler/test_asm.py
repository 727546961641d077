"""Assembly fields: the names the assembler fills are the names ``arch check`` accepts."""

from __future__ import annotations

from covenant_lab.acg import load_arch
from covenant_lab.codelets import library as L
from covenant_lab.compiler import compile
from covenant_lab.compiler.asm import (
    LOOP_FIELD_PREFIX,
    TRANSFER_FIELDS,
    compute_field_names,
    compute_fields,
    is_compute_field,
    transfer_fields,
)


def test_the_fields_filled_are_the_fields_listed() -> None:
    acg = load_arch("teaching")
    result = compile(L.gemm((8, 16), (16, 8), c_shape=(8,)), acg)
    caps = {(n.name, c.label): c for n in acg.compute_nodes for c in n.capabilities}
    for t in result.program.transfers:
        assert set(transfer_fields(t)) == TRANSFER_FIELDS
    for c in result.program.computes:
        cap = caps[(c.node.name, c.capability)]
        filled = set(compute_fields(c))
        loops = {f"{LOOP_FIELD_PREFIX}{lp}" for lp, _, _ in c.box}
        assert filled == compute_field_names(cap) | loops  # a GEMM with a bias uses every role
        assert all(is_compute_field(cap, name) for name in filled)


def test_compute_fields_of_a_capability() -> None:
    mac = load_arch("teaching").compute("mac_array").capabilities[0]
    names = compute_field_names(mac)
    assert {"a_addr", "b", "init_addr", "acc_addr", "used_rows", "folds_cols", "stream"} <= names
    assert "out_addr" not in names and "used_lanes" not in names
    assert is_compute_field(mac, "n_anything")
    assert not is_compute_field(mac, "n_") and not is_compute_field(mac, "out_adr")


def test_a_constant_source_is_written_as_an_immediate() -> None:
    """A Clip's bounds are constants: GeneSys's ``MAX ... b={b_addr}`` prints them as
    immediates, not as an unfilled field."""
    acg = load_arch("genesys")
    asm = compile(L.clip((1, 32, 7, 7), 0.0, 6.0), acg).asm
    assert "?>" not in asm
    ops = [line.split()[1:] for line in asm.splitlines()[1:] if "MAX" in line or "MIN" in line]
    assert ops and all(words[0] in ("MAX", "MIN") for words in ops)
    assert {words[0]: words[3] for words in ops} == {"MAX": "b=#0", "MIN": "b=#6"}
