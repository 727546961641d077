"""Read the energy and area fields of an architecture document into an ``ArchEnergy``.

Each field is a number or an expression over the params, checked against
``limits.ENERGY_PJ`` / ``limits.AREA_MM2`` / ``limits.TECHNOLOGY_NM``; a problem is recorded
with its YAML path (file and line in the ArchError), like every other field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from covenant_lab import limits
from covenant_lab.acg.build import NodeBuilder
from covenant_lab.acg.energy import (
    CAPABILITY_FIELDS,
    COMM_FIELDS,
    COMPUTE_FIELDS,
    EDGE_FIELDS,
    STORAGE_FIELDS,
    ArchEnergy,
    Key,
    Section,
)
from covenant_lab.acg.energy_table import REFERENCE_NM, TABLES
from covenant_lab.acg.nodes import EdgeId
from covenant_lab.acg.schema import field_path

__all__ = ["read_energy"]


def read_energy(doc: Mapping[str, Any], builder: NodeBuilder) -> ArchEnergy:
    """The energy section and every energy field of ``doc`` (a schema-valid document)."""
    given: list[tuple[Key, float]] = []

    def take(section: Section, name: str, path: str, spec: Mapping[str, Any],
             fields: tuple[str, ...]) -> None:
        for fld in fields:
            if fld in spec:
                limit = limits.AREA_MM2 if fld == "area_mm2" else limits.ENERGY_PJ
                value = builder.amount(f"{path}.{fld}", spec[fld], limit)
                given.append(((section, name, fld), value))

    for name, spec in doc["storage"].items():
        take(Section.STORAGE, name, f"storage.{name}", spec, STORAGE_FIELDS)
    for name, spec in (doc.get("communication") or {}).items():
        take(Section.COMM, name, f"communication.{name}", spec, COMM_FIELDS)
    for name, spec in doc["compute"].items():
        take(Section.COMPUTE, name, f"compute.{name}", spec, COMPUTE_FIELDS)
        for i, cap in enumerate(spec["capabilities"]):
            label = cap.get("name", cap["op"])
            take(Section.CAPABILITY, f"{name}.{label}", f"compute.{name}.capabilities[{i}]", cap,
                 CAPABILITY_FIELDS)
    for i, edge in enumerate(doc["edges"]):
        take(Section.EDGE, EdgeId(edge['from'], edge['to']), field_path(("edges", i)), edge,
             EDGE_FIELDS)
    section = doc.get("energy") or {}
    nm = (builder.number("energy.technology_nm", section["technology_nm"], limits.TECHNOLOGY_NM)
          if "technology_nm" in section else REFERENCE_NM)
    return ArchEnergy(section.get("table", TABLES[0]), float(nm), tuple(given),
                      section.get("leakage"))
