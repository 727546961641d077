"""Energy and area in architecture files: the cited table, defaults, explicit numbers, errors."""

from __future__ import annotations

import math

import pytest

from covenant_lab.acg import energy_table as et
from covenant_lab.acg import load_arch, loads_arch, shipped_archs, to_yaml
from covenant_lab.acg.energy import Section, energy_model
from covenant_lab.acg.nodes import EdgeId
from covenant_lab.errors import ArchError
from covenant_lab.types import DType, OpKind

from .conftest import MINI


def test_table_numbers_are_horowitz_isscc2014() -> None:
    # pJ at 45 nm, Horowitz ISSCC 2014 Fig. 1.1.9
    assert et.op_pj(OpKind.ADD, DType.INT8) == 0.03
    assert et.op_pj(OpKind.MUL, DType.INT8) == 0.2
    assert et.op_pj(OpKind.ADD, DType.INT32) == 0.1
    assert et.op_pj(OpKind.MUL, DType.INT32) == 3.1
    assert et.op_pj(OpKind.ADD, DType.FLOAT32) == 0.9
    assert et.op_pj(OpKind.MUL, DType.FLOAT32) == 3.7
    assert et.op_pj(OpKind.MAC, DType.INT8, DType.INT32) == pytest.approx(0.3)  # 0.2 + 0.1
    assert et.op_pj(OpKind.ADD, DType.INT16) == pytest.approx((0.03 * 0.1) ** 0.5)
    assert et.op_pj(OpKind.COPY, DType.INT8) == 0.0
    assert et.op_pj(OpKind.EXP, DType.FLOAT32) == pytest.approx(4 * 3.7)
    # SRAM per 64-bit access: 8 KB 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ; per byte / 8
    assert et.sram_pj_per_byte(8 * 1024) == pytest.approx(10 / 8)
    assert et.sram_pj_per_byte(32 * 1024) == pytest.approx(20 / 8)
    assert et.sram_pj_per_byte(1024 * 1024) == pytest.approx(100 / 8)
    assert et.sram_pj_per_byte(16 * 1024) == pytest.approx(10 * 2**0.5 / 8)  # log-log midpoint
    assert et.sram_pj_per_byte(64) == pytest.approx(10 * (64 / 8192) ** 0.5 / 8)  # extended
    assert et.dram_pj_per_byte() == (1300 + 2600) / 2 / 8
    assert et.forward_pj_per_byte() == pytest.approx(0.3125 / 8)
    assert et.sram_area_mm2(1024) == pytest.approx(1024 * 8 * 0.346e-6)
    assert et.energy_scale(90) == 2.0 and et.area_scale(90) == 4.0


def test_leakage_extension_numbers_are_cacti7_and_aladdin() -> None:
    # CACTI 7, 45 nm itrs-hp, 360 K, 16 KiB: 27.127 mW subthreshold + 0.785161 mW gate
    assert et.sram_leak_uw(16 * 1024) == pytest.approx(27912.161)
    assert et.sram_leak_uw(1024) == pytest.approx(27912.161 / 16)  # linear in capacity
    assert et.sram_leak_uw(0) == 0.0
    # Aladdin 40 nm: adder 2.4 uW / 278 um^2, multiplier 80 uW / 6350 um^2
    assert et.op_leak_uw(OpKind.ADD, DType.INT32) == pytest.approx(137 * 2.4 / 278)
    assert et.op_leak_uw(OpKind.MUL, DType.INT8) == pytest.approx(282 * 80 / 6350)
    assert et.op_leak_uw(OpKind.MAC, DType.INT8, DType.INT32) == pytest.approx(
        282 * 80 / 6350 + 137 * 2.4 / 278)
    assert et.op_leak_uw(OpKind.EXP, DType.FLOAT32) == pytest.approx(7700 * 80 / 6350)
    assert et.op_leak_uw(OpKind.COPY, DType.INT8) == 0.0
    # power to energy per cycle: uW / MHz
    assert et.uw_to_pj_per_cycle(700.0, 700.0) == 1.0
    assert et.uw_to_pj_per_cycle(500.0, None) == 0.5  # 1000 MHz when the file gives no clock


def test_leakage_scales_with_the_node_and_the_clock() -> None:
    text = MINI.replace("params: {bus_bytes: 8, kib: 16}",
                        "params: {bus_bytes: 8, kib: 16}\nclock_mhz: 500\n"
                        "energy: {technology_nm: 90, leakage: cacti7_hp_45nm}")
    model = energy_model(loads_arch(text, source="mini.yaml"))
    # x 90/45 for the node, x 1000/500 for the slower clock (a longer cycle)
    assert model.storage["SPAD"].leakage_pj_per_cycle == pytest.approx(27.912161 * 2 * 2)


def test_a_file_without_energy_loads_with_the_table_defaults() -> None:
    arch = loads_arch(MINI, source="mini.yaml")
    model = energy_model(arch)
    assert (model.table, model.technology_nm, model.given) == ("horowitz_isscc2014", 45.0,
                                                               frozenset())
    assert model.storage["DRAM"].read_pj_per_byte == 243.75
    slope = math.log(100 / 20) / math.log(1024 / 32)  # between 32 KB and 1 MB
    assert model.storage["L2"].read_pj_per_byte == pytest.approx(20 / 8 * 2**slope)  # 64 KiB
    assert model.storage["SPAD"].write_pj_per_byte == pytest.approx(10 * 2**0.5 / 8)  # 16 KiB
    assert model.storage["SPAD"].leakage_pj_per_cycle == 0.0  # no leakage extension named
    assert model.compute["pe"].idle_pj_per_cycle == model.compute["pe"].busy_pj_per_cycle == 0
    assert model.storage["SPAD"].area_mm2 == pytest.approx(16 * 1024 * 8 * 0.346e-6)
    assert model.storage["DRAM"].area_mm2 == 0.0
    assert model.capabilities[("pe", "mac")].pj_per_op == pytest.approx(0.3)
    assert model.capabilities[("pe", "relu")].pj_per_op == pytest.approx(0.1)  # int32 add
    assert model.comm["bus"] == 0.0 and model.edges[EdgeId("DRAM", "SPAD")] == 0.0
    assert model.compute["pe"].area_mm2 == pytest.approx(8 * (282 + 137) * 1e-6)  # 8 PEs
    assert model.source((Section.STORAGE, "SPAD", "read_pj_per_byte")) == \
        "horowitz_isscc2014 at 45 nm"
    assert model.source((Section.STORAGE, "SPAD", "leakage_pj_per_cycle")).startswith("none")


def test_a_file_opting_into_the_leakage_extension_takes_its_static_power() -> None:
    text = MINI.replace("params: {bus_bytes: 8, kib: 16}",
                        "params: {bus_bytes: 8, kib: 16}\nenergy: {leakage: cacti7_hp_45nm}")
    model = energy_model(loads_arch(text, source="mini.yaml"))
    # CACTI 7, 45 nm: 16 KiB leaks 27.127 + 0.785161 mW; per byte, at 1000 MHz (mini gives no
    # clock): 1 mW is 1 pJ per 1 ns cycle
    assert model.storage["SPAD"].leakage_pj_per_cycle == pytest.approx(27.912161)
    assert model.storage["L2"].leakage_pj_per_cycle == pytest.approx(4 * 27.912161)
    assert model.storage["DRAM"].leakage_pj_per_cycle == 0.0
    # 8 PEs of an int8 multiplier (282 um^2 at 80/6350 uW per um^2) and an int32 adder
    # (137 um^2 at 2.4/278): uW / 1000 MHz = pJ per cycle, idle and busy alike
    pe_uw = 8 * (282 * 80 / 6350 + 137 * 2.4 / 278)
    assert model.compute["pe"].idle_pj_per_cycle == pytest.approx(pe_uw / 1000)
    assert model.compute["pe"].busy_pj_per_cycle == pytest.approx(pe_uw / 1000)
    assert model.source((Section.STORAGE, "SPAD", "leakage_pj_per_cycle")) == \
        "cacti7_hp_45nm at 45 nm"


def test_explicit_numbers_and_the_technology_node() -> None:
    text = (MINI.replace("params: {bus_bytes: 8, kib: 16}",
                         "params: {bus_bytes: 8, kib: 16}\nenergy: {technology_nm: 90}")
            .replace("write_bytes_per_cycle: 16,\n         buffering: 2}",
                     "write_bytes_per_cycle: 16,\n         buffering: 2, read_pj_per_byte: kib / 8,"
                     " leakage_pj_per_cycle: 0.5, area_mm2: 0.25}")
            .replace("latency_cycles: 10}", "latency_cycles: 10, pj_per_byte: 1.5}")
            .replace("latency_cycles: 3\n", "latency_cycles: 3\n        pj_per_op: 0.7\n")
            .replace("cols: 2}\n",
                     "cols: 2}\n    idle_pj_per_cycle: 0.1\n    busy_pj_per_cycle: 3\n")
            .replace("latency_cycles: 20}", "latency_cycles: 20, pj_per_byte: 0.25}"))
    model = energy_model(loads_arch(text, source="mini.yaml"))
    spad = model.storage["SPAD"]
    assert (spad.read_pj_per_byte, spad.leakage_pj_per_cycle, spad.area_mm2) == (2.0, 0.5, 0.25)
    assert spad.write_pj_per_byte == pytest.approx(2 * 10 * 2**0.5 / 8)  # table, x 90/45
    assert model.storage["DRAM"].read_pj_per_byte == 2 * 243.75
    assert model.comm["bus"] == 1.5 and model.edges[EdgeId("DRAM", "L2")] == 0.25
    assert model.capabilities[("pe", "mac")].pj_per_op == 0.7
    assert model.capabilities[("pe", "relu")].pj_per_op == pytest.approx(0.2)
    assert (model.compute["pe"].idle_pj_per_cycle, model.compute["pe"].busy_pj_per_cycle) == \
        (0.1, 3.0)
    assert model.source((Section.STORAGE, "SPAD", "read_pj_per_byte")) == "file"
    assert model.source((Section.STORAGE, "SPAD", "write_pj_per_byte")) == \
        "horowitz_isscc2014 at 90 nm"


def test_private_storage_leaks_per_pe() -> None:
    model = energy_model(load_arch("eyeriss_v1"))
    assert model.storage["IFMAP_SPAD"].area_mm2 == pytest.approx(168 * 24 * 8 * 0.346e-6 *
                                                                  (65 / 45) ** 2)
    assert model.capabilities[("pe_array", "mac")].pj_per_op == 1.2


@pytest.mark.parametrize("name", shipped_archs())
def test_every_shipped_architecture_names_its_energy_source(name: str) -> None:
    arch = load_arch(name)
    assert "energy" in arch.spec
    comment = arch.comment.replace("\n# ", " ")
    assert "Energy" in arch.comment and "Horowitz ISSCC 2014" in comment
    model = energy_model(arch)
    assert model.leakage is None  # docs/archs.md: the extension's corner contradicts them
    assert all(c.pj_per_op >= 0 for c in model.capabilities.values())
    assert model.area_mm2 > 0


BAD = [
    ("storage.SPAD.read_pj_per_byte", "buffering: 2}", "buffering: 2, read_pj_per_byte: -1}",
     "must not be negative, got -1"),
    ("storage.SPAD.leakage_pj_per_cycle", "buffering: 2}",
     "buffering: 2, leakage_pj_per_cycle: kib * 100000}",
     "'kib * 100000' = 1600000 pJ is above the limit for an energy, 1000000 pJ"),
    ("storage.SPAD.area_mm2", "buffering: 2}", "buffering: 2, area_mm2: 250000}",
     "250000 mm^2 is above the limit for an area, 100000 mm^2"),
    ("communication.bus.pj_per_byte", "latency_cycles: 10}",
     "latency_cycles: 10, pj_per_byte: \"1 - kib\"}", "must be a number >= 0, got -15"),
    ("edges[1].pj_per_byte", "latency_cycles: 20}", "latency_cycles: 20, pj_per_byte: nope}",
     "unknown parameter 'nope'"),
    ("compute.pe.capabilities[0].pj_per_op", "latency_cycles: 3\n",
     "latency_cycles: 3\n        pj_per_op: \"-2\"\n", "must be a number >= 0, got -2"),
    ("energy.table", "params: {bus_bytes: 8, kib: 16}",
     "params: {bus_bytes: 8, kib: 16}\nenergy: {table: horowitz}",
     "unknown value 'horowitz'"),
    ("energy.technology_nm", "params: {bus_bytes: 8, kib: 16}",
     "params: {bus_bytes: 8, kib: 16}\nenergy: {technology_nm: 5000}",
     "5000 nm is above the limit for a technology node, 1000 nm"),
    ("energy.tech_nm", "params: {bus_bytes: 8, kib: 16}",
     "params: {bus_bytes: 8, kib: 16}\nenergy: {tech_nm: 7}", "is not a known field"),
]


@pytest.mark.parametrize(("field", "old", "new", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_energy_fields_name_file_line_field_and_value(field: str, old: str, new: str,
                                                          message: str) -> None:
    assert old in MINI
    text = MINI.replace(old, new, 1)
    with pytest.raises(ArchError) as info:
        loads_arch(text, source="bad.yaml")
    found = [p for p in info.value.problems if p.field == field]
    assert found, info.value.fields
    problem = found[0]
    assert message in problem.message
    line = text.splitlines()[problem.line - 1]
    assert field.rsplit(".", 1)[-1].split("[")[0] in line or field.startswith("edges")
    assert f"bad.yaml:{problem.line}" in str(info.value)


def test_edits_and_save_keep_the_energy_fields() -> None:
    arch = load_arch("teaching")
    edited = arch.with_node_attr("SPAD", "leakage_pj_per_cycle", 3).with_param("spad_kib", 32)
    model = energy_model(edited)
    assert model.storage["SPAD"].leakage_pj_per_cycle == 3.0
    assert model.storage["SPAD"].read_pj_per_byte == 2.0  # given in the file: not rescaled
    assert energy_model(arch).storage["SPAD"].leakage_pj_per_cycle == 1.0  # arch unchanged
    assert edited != arch and edited.energy != arch.energy
    again = loads_arch(to_yaml(edited), source="again.yaml")
    assert again.energy == edited.energy
    with pytest.raises(ArchError, match=r"storage.SPAD.area_mm2: must not be negative, got -1"):
        arch.with_node_attr("SPAD", "area_mm2", -1)
