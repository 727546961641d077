"""The architecture variants the benchmark runs, by label."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from covenant_lab.acg.graph import ACG
from covenant_lab.acg.load import load_arch, shipped_archs
from covenant_lab.errors import UsageError

__all__ = ["DEFAULT_VARIANTS", "VARIANTS", "load_variant"]

# label -> (shipped architecture, parameter overrides)
VARIANTS: Mapping[str, tuple[str, Mapping[str, int]]] = MappingProxyType({
    "genesys": ("genesys", {}),
    "genesys16": ("genesys", {"rows": 16, "cols": 16}),
    "hvx": ("hvx", {}),
    "teaching": ("teaching", {}),
})
DEFAULT_VARIANTS: tuple[str, ...] = ("genesys", "genesys16", "hvx")


def load_variant(label: str) -> tuple[str, ACG]:
    """(label, ACG) for a variant label, a shipped architecture name or an architecture file."""
    if label in VARIANTS:
        base, params = VARIANTS[label]
        return label, load_arch(base, params=dict(params) or None)
    if label.endswith((".yaml", ".yml")) or label in shipped_archs():
        acg = load_arch(label)
        return (acg.name if label.endswith((".yaml", ".yml")) else label), acg
    raise UsageError(f"bench: no architecture variant named '{label}'",
                     hint=f"choose from {', '.join(VARIANTS)}, a shipped architecture "
                          f"({', '.join(shipped_archs())}) or a .yaml file")
