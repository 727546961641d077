"""Short phrases describing ACG features, shared by every view of an architecture.

The text summary (``acg.save.summary``), the static drawing (``viz.dot``) and the ACGView
(``widgets.acg_labels``) say the same thing the same way::

    number(21.470000001)      -> "21.47"            (bandwidths, clocks: never float noise)
    storage_size(WFIFO)       -> "FIFO 4 x 64 KiB"  (entries x entry size)
    storage_size(WEIGHTS_SPAD)-> "448 B per PE x 168"
    private_text(WEIGHTS_SPAD)-> "private to pe_array"
    home_text(acg, WDRAM)     -> "home of weights"
    clock_text(acg, host)     -> "2300 MHz, 3.29x"  (its own clock, and against the reference)
    arch_title(acg)           -> "tpu_v1 @ 700 MHz"
    dtype_text(ACC -> UB)     -> "-> int8"          (a converting edge)
    spatial_note(mac)         -> "cols: 2 entries"  (a dimension several loop kinds share)

Pure functions of the frozen nodes; no formatting state.
"""

from __future__ import annotations

from covenant_lab.acg.capabilities import Capability, SpatialDim
from covenant_lab.acg.graph import ACG
from covenant_lab.acg.homes import TensorHome
from covenant_lab.acg.nodes import Access, ComputeNode, Edge, StorageNode
from covenant_lab.quote import show_number

__all__ = [
    "arch_title",
    "bandwidth_text",
    "buffering_text",
    "clock_text",
    "dtype_text",
    "format_bytes",
    "home_kinds",
    "home_text",
    "home_words",
    "number",
    "private_text",
    "rate_text",
    "spatial_groups",
    "spatial_note",
    "spatial_text",
    "storage_size",
]

_HOME_WORDS = {
    TensorHome.WEIGHTS: "weights",
    TensorHome.ACTIVATIONS: "activations",
    TensorHome.MODEL_INPUTS: "model inputs",
    TensorHome.MODEL_OUTPUTS: "model outputs",
}


def number(x: float) -> str:
    """A bandwidth, clock or ratio as a student reads it: ``256``, ``21.47``, ``0.333``.

    Whole values print without a fraction; others with at most two decimals (three
    significant digits below 1), so float noise never shows (``21.470000001`` -> ``21.47``).
    """
    if isinstance(x, int):
        return str(x)
    whole = round(x)
    if abs(x - whole) <= 1e-9 * max(1.0, abs(x)):
        return str(int(whole))
    if abs(x) >= 1:
        return f"{x:.2f}".rstrip("0").rstrip(".")
    return f"{x:.3g}"


def rate_text(bytes_per_cycle: float) -> str:
    """``21.47`` -> ``21.47 B/cyc``."""
    return f"{number(bytes_per_cycle)} B/cyc"


def bandwidth_text(s: StorageNode) -> str:
    """``R 256 / W 48.57 B/cyc``; ``R/W 72.86 B/cyc`` when both are the same."""
    read, write = number(s.read_bytes_per_cycle), number(s.write_bytes_per_cycle)
    return f"R/W {read} B/cyc" if read == write else f"R {read} / W {write} B/cyc"


def format_bytes(n: int | None) -> str:
    """``131072`` -> ``128 KiB``; None -> ``unbounded``."""
    if n is None:
        return "unbounded"
    if n.bit_length() > 64:  # beyond any limit (limits.CAPACITY_BYTES): never a float
        return f"{show_number(n)} B"
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % (size // 16) == 0:
            value = n / size
            return f"{value:g} {unit}"
    return f"{n} B"


def storage_size(s: StorageNode) -> str:
    """How big a storage is: ``24 MiB``, ``off-chip``, ``FIFO 4 x 64 KiB`` (entries x entry
    size) or ``448 B per PE x 168`` (a private storage: one copy per PE)."""
    if s.capacity_bytes is None:
        return "off-chip" if s.off_chip else "unbounded"
    if s.access is Access.FIFO:
        entry = s.capacity_bytes // max(s.buffering, 1)
        return f"FIFO {s.buffering} x {format_bytes(entry)}"
    if s.private_to is not None:
        return f"{format_bytes(s.capacity_bytes)} per PE x {s.replicas}"
    return format_bytes(s.capacity_bytes)


def buffering_text(s: StorageNode) -> str:
    """``x2`` for a double-buffered RAM ("" when single-buffered, or a FIFO: its size says)."""
    return f"x{s.buffering}" if s.buffering > 1 and s.access is not Access.FIFO else ""


def private_text(s: StorageNode) -> str:
    """``private to pe_array`` ("" for a shared storage)."""
    return f"private to {s.private_to}" if s.private_to is not None else ""


def home_kinds(acg: ACG, s: StorageNode) -> tuple[TensorHome, ...]:
    """The kinds of tensor whose home is ``s``, in ``TensorHome`` order."""
    return tuple(kind for kind, name in acg.homes if name == s.name)


def home_words(kinds: tuple[TensorHome, ...] | list[TensorHome]) -> str:
    """``weights, model inputs``: kinds of tensor as a student reads them."""
    return ", ".join(_HOME_WORDS[k] for k in kinds)


def home_text(acg: ACG, s: StorageNode, *, always: bool = False) -> str:
    """``home of weights`` on an off-chip memory that is a home, when the architecture has
    several (with one, it holds everything: "" unless ``always``). Model inputs and outputs
    are named only when they live elsewhere than the activations."""
    if not always and len(acg.offchip) < 2:
        return ""
    homes = dict(acg.homes)
    act = homes.get(TensorHome.ACTIVATIONS)
    kinds = [
        k for k in home_kinds(acg, s)
        if always or k in (TensorHome.WEIGHTS, TensorHome.ACTIVATIONS) or homes[k] != act
    ]
    return "home of " + home_words(kinds) if kinds else ""


def storage_lines(acg: ACG, s: StorageNode) -> list[str]:
    """A storage's label, one fact per line: name, size and buffering, privacy, bandwidth, and
    the tensors homed there (what the ACG view and the Graphviz drawing both show)."""
    size = " ".join(t for t in (storage_size(s), buffering_text(s)) if t)
    if s.off_chip and s.capacity_bytes is not None:
        size += " off-chip"
    lines = [s.name, size]
    if s.private_to is not None:
        lines.append(private_text(s))
    lines.append(bandwidth_text(s))
    if s.off_chip and home_text(acg, s):
        lines.append(home_text(acg, s))
    return lines


def clock_text(acg: ACG, n: ComputeNode) -> str:
    """A node's own clock and its speed against the reference clock: ``2300 MHz, 3.29x``
    ("" for a node on the reference clock)."""
    if n.period_cycles == 1.0:
        return ""
    ratio = number(1 / n.period_cycles)
    if acg.clock_mhz is None:
        return f"clock {ratio}x"
    return f"{number(acg.clock_mhz / n.period_cycles)} MHz, {ratio}x"


def arch_title(acg: ACG) -> str:
    """``tpu_v1 @ 700 MHz`` (just the name when the file gives no clock)."""
    if acg.clock_mhz is None:
        return acg.name
    return f"{acg.name} @ {number(acg.clock_mhz)} MHz"


def dtype_text(e: Edge) -> str:
    """``-> int8`` on a converting edge ("" otherwise)."""
    return f"-> {e.dtype.value}" if e.dtype is not None else ""


def spatial_groups(c: Capability) -> list[tuple[str, int, tuple[SpatialDim, ...]]]:
    """The capability's spatial dimensions once each, in file order, with all their entries."""
    groups: dict[str, list[SpatialDim]] = {}
    for s in c.spatial:
        groups.setdefault(s.dim, []).append(s)
    return [(dim, entries[0].size, tuple(entries)) for dim, entries in groups.items()]


def spatial_note(c: Capability) -> str:
    """``cols: 2 entries`` for each dimension with several entries ("" when none)."""
    groups = spatial_groups(c)
    return "; ".join(f"{dim}: {len(entries)} entries" for dim, _, entries in groups
                     if len(entries) > 1)


def _entry_text(s: SpatialDim) -> str:
    return (f"needs {{{','.join(sorted(s.requires))}}}"
            + (f" not {{{','.join(sorted(s.excludes))}}}" if s.excludes else "")
            + (" fold" if s.fold else ""))


def spatial_text(c: Capability) -> str:
    """Every spatial entry, grouped by dimension (entries of one dimension multiply)::

        rows=12 needs {a,b} not {acc} fold; cols=14 (2 entries) needs {a,acc} not {b} |
        needs {acc,b} not {a}
    """
    parts = []
    for dim, size, entries in spatial_groups(c):
        head = f"{dim}={size}" + (f" ({len(entries)} entries)" if len(entries) > 1 else "")
        parts.append(f"{head} " + " | ".join(_entry_text(s) for s in entries))
    return "; ".join(parts)
