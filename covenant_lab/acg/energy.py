"""Energy and area of an architecture: what a file gives, and every number resolved.

A file may give, all optional (``docs/arch-format.md``, section *energy and area*):

- top level ``energy: {table: horowitz_isscc2014, technology_nm: 45, leakage: ...}``: the
  cited table the defaults come from, the technology node they are scaled to, and optionally
  a cited leakage extension to take static power from (``acg.energy_table``; without one,
  static power is 0 unless given);
- per storage ``read_pj_per_byte``, ``write_pj_per_byte``, ``leakage_pj_per_cycle`` (one
  copy; a ``private_to`` storage leaks once per PE; default: the leakage extension's, per
  byte of capacity) and ``area_mm2`` (all copies);
- per communication node and per edge ``pj_per_byte`` (bytes moved through it);
- per compute node ``idle_pj_per_cycle``, ``busy_pj_per_cycle`` (default: both the leakage of
  its units, from the leakage extension) and ``area_mm2``;
- per capability ``pj_per_op`` (one statement execution at its dtypes) and
  ``forward_pj_per_byte`` (one PE-to-PE hop of an operand inside the node).

:class:`ArchEnergy` keeps what the file gave (``ACG.energy``); :func:`energy_model` resolves
every node, edge and capability, from the file where given and from the table otherwise, and
says which (``EnergyModel.given``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from covenant_lab.acg import energy_table as et
from covenant_lab.acg.capabilities import Capability
from covenant_lab.acg.nodes import EdgeId
from covenant_lab.types import DType, PortRole

if TYPE_CHECKING:
    from covenant_lab.acg.graph import ACG

__all__ = [
    "ArchEnergy",
    "CapabilityEnergy",
    "ComputeEnergy",
    "EnergyModel",
    "Key",
    "Section",
    "StorageEnergy",
    "energy_model",
]

class Section(Enum):
    """The part of an architecture file an energy or area number belongs to."""

    STORAGE = "storage"
    COMM = "comm"
    EDGE = "edge"
    COMPUTE = "compute"
    CAPABILITY = "capability"


# (section, name, field): (Section.STORAGE, "SPAD", "read_pj_per_byte"), (Section.EDGE,
# "DRAM->SPAD", "pj_per_byte"), (Section.CAPABILITY, "mac_array.mac", "pj_per_op")
Key = tuple[Section, str, str]

STORAGE_FIELDS = ("read_pj_per_byte", "write_pj_per_byte", "leakage_pj_per_cycle", "area_mm2")
COMM_FIELDS = ("pj_per_byte",)
EDGE_FIELDS = ("pj_per_byte",)
COMPUTE_FIELDS = ("idle_pj_per_cycle", "busy_pj_per_cycle", "area_mm2")
CAPABILITY_FIELDS = ("pj_per_op", "forward_pj_per_byte")
STATIC_FIELDS = ("leakage_pj_per_cycle", "idle_pj_per_cycle", "busy_pj_per_cycle")


@dataclass(frozen=True, slots=True)
class ArchEnergy:
    """What an architecture file says about energy: its table, node and explicit numbers."""

    table: str = et.TABLES[0]
    technology_nm: float = et.REFERENCE_NM
    given: tuple[tuple[Key, float], ...] = ()  # explicit values, in file order
    leakage: str | None = None  # the leakage extension opted into (et.LEAKAGE_TABLES), if any


@dataclass(frozen=True, slots=True)
class StorageEnergy:
    read_pj_per_byte: float
    write_pj_per_byte: float
    leakage_pj_per_cycle: float  # all copies together
    area_mm2: float  # all copies together


@dataclass(frozen=True, slots=True)
class ComputeEnergy:
    idle_pj_per_cycle: float
    busy_pj_per_cycle: float
    area_mm2: float


@dataclass(frozen=True, slots=True)
class CapabilityEnergy:
    pj_per_op: float
    forward_pj_per_byte: float


@dataclass(frozen=True)
class EnergyModel:
    """Every energy and area number of an architecture, resolved (see the module docstring)."""

    table: str
    technology_nm: float
    leakage: str | None  # the leakage extension the static defaults come from; None: 0
    storage: dict[str, StorageEnergy]
    comm: dict[str, float]  # pJ per byte through the comm node
    edges: dict[EdgeId, float]  # pJ per byte along the edge
    compute: dict[str, ComputeEnergy]
    capabilities: dict[tuple[str, str], CapabilityEnergy]  # (node, capability label)
    given: frozenset[Key]  # the numbers the file gave; the others come from the table
    private_to: dict[str, str]  # storage -> the compute node each of whose PEs has a copy

    def source(self, key: Key) -> str:
        """``"file"`` or the table's name: where the number ``key`` comes from."""
        if key in self.given:
            return "file"
        if key[2] in STATIC_FIELDS:
            return (f"{self.leakage} at {self.technology_nm:g} nm" if self.leakage
                    else "none (0: the file opts into no leakage extension)")
        return f"{self.table} at {self.technology_nm:g} nm"

    @property
    def area_mm2(self) -> float:
        """Storages and compute nodes together."""
        return (sum(s.area_mm2 for s in self.storage.values())
                + sum(c.area_mm2 for c in self.compute.values()))


def energy_model(acg: ACG) -> EnergyModel:
    """The resolved energy model of ``acg`` (computed once per ACG)."""
    model: EnergyModel | None = acg._cache.get("energy_model")
    if model is None:
        model = acg._cache["energy_model"] = _resolve(acg)
    return model


def _resolve(acg: ACG) -> EnergyModel:
    spec = acg.energy
    given = dict(spec.given)
    pj = et.energy_scale(spec.technology_nm)
    um = et.area_scale(spec.technology_nm)

    def pick(section: Section, name: str, fld: str, default: float) -> float:
        return given.get((section, name, fld), default)

    def leak(uw: float) -> float:  # pJ per reference cycle, scaled; 0 unless opted into
        return et.uw_to_pj_per_cycle(uw, acg.clock_mhz) * pj if spec.leakage else 0.0

    storage = {}
    for s in acg.storage_nodes:
        if s.off_chip:
            access, area, leakage = et.dram_pj_per_byte() * pj, 0.0, 0.0
        else:
            access = et.sram_pj_per_byte(s.capacity_bytes or 1) * pj
            area = et.sram_area_mm2(s.total_bytes or 0) * um
            leakage = leak(et.sram_leak_uw(s.capacity_bytes or 0))
        storage[s.name] = StorageEnergy(
            pick(Section.STORAGE, s.name, "read_pj_per_byte", access),
            pick(Section.STORAGE, s.name, "write_pj_per_byte", access),
            pick(Section.STORAGE, s.name, "leakage_pj_per_cycle", leakage) * s.replicas,
            pick(Section.STORAGE, s.name, "area_mm2", area),
        )
    compute = {}
    caps = {}
    for n in acg.compute_nodes:
        unit_um2 = max((_op_area(c) for c in n.capabilities), default=0.0)
        static = leak(n.size * max((_op_leak(c) for c in n.capabilities), default=0.0))
        compute[n.name] = ComputeEnergy(
            pick(Section.COMPUTE, n.name, "idle_pj_per_cycle", static),
            pick(Section.COMPUTE, n.name, "busy_pj_per_cycle", static),
            pick(Section.COMPUTE, n.name, "area_mm2", n.size * unit_um2 * um / 1e6),
        )
        for c in n.capabilities:
            name = f"{n.name}.{c.label}"
            caps[(n.name, c.label)] = CapabilityEnergy(
                pick(Section.CAPABILITY, name, "pj_per_op", _op_pj(c) * pj),
                pick(Section.CAPABILITY, name, "forward_pj_per_byte",
                     et.forward_pj_per_byte() * pj),
            )
    return EnergyModel(
        table=spec.table,
        technology_nm=spec.technology_nm,
        leakage=spec.leakage,
        storage=storage,
        comm={c.name: pick(Section.COMM, c.name, "pj_per_byte", 0.0) for c in acg.comm_nodes},
        edges={e.key: pick(Section.EDGE, e.key, "pj_per_byte", 0.0)
               for e in acg.edges},
        compute=compute,
        capabilities=caps,
        given=frozenset(given),
        private_to={s.name: s.private_to for s in acg.storage_nodes if s.private_to},
    )


def _dtypes(c: Capability) -> tuple[DType, DType]:
    """The dtype of the first source port and of the destination port."""
    dst = c.port(c.op.dst_role)
    src = c.port(PortRole.A) or dst
    assert src is not None and dst is not None  # validated: every op has a destination port
    return src.dtype, dst.dtype


def _op_pj(c: Capability) -> float:
    src, dst = _dtypes(c)
    return et.op_pj(c.op, src, dst)


def _op_area(c: Capability) -> float:
    src, dst = _dtypes(c)
    return et.op_area_um2(c.op, src, dst)


def _op_leak(c: Capability) -> float:
    src, dst = _dtypes(c)
    return et.op_leak_uw(c.op, src, dst)
