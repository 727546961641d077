"""The Architecture Covenant Graph: accelerators as declarative, validated graphs.

>>> from covenant_lab.acg import load_arch
>>> arch = load_arch("genesys")                  # archs/genesys.yaml, or any path
>>> arch.best_path("DRAM", "IBUF").bottleneck_bytes_per_cycle
64
"""

from covenant_lab.acg.capabilities import Capability, Port, SpatialDim
from covenant_lab.acg.edits import NodeKind
from covenant_lab.acg.expr import Expr, ExprError
from covenant_lab.acg.expr import parse as parse_expr
from covenant_lab.acg.graph import ACG, DataPath
from covenant_lab.acg.load import load_arch, loads_arch, shipped_archs
from covenant_lab.acg.nodes import CommNode, ComputeNode, Edge, Node, StorageNode
from covenant_lab.acg.save import save_arch, to_yaml
from covenant_lab.acg.validate import template_fields

__all__ = [
    "ACG",
    "Capability",
    "CommNode",
    "ComputeNode",
    "DataPath",
    "Edge",
    "Expr",
    "ExprError",
    "Node",
    "NodeKind",
    "Port",
    "SpatialDim",
    "StorageNode",
    "load_arch",
    "loads_arch",
    "parse_expr",
    "save_arch",
    "shipped_archs",
    "template_fields",
    "to_yaml",
]
