"""Which off-chip memory holds which tensors (the ``homes:`` section of an architecture file).

A machine with one off-chip memory keeps everything there. A machine with several says where
each kind of tensor lives, e.g. a TPU-like card whose weights sit in the card's DRAM and whose
activations cross PCIe from the host::

    homes: {weights: WDRAM, activations: HOST}

``model_inputs`` and ``model_outputs`` default to the activations home.
"""

from __future__ import annotations

from enum import Enum

from covenant_lab.types import Role


class TensorHome(Enum):
    """The kinds of tensor an architecture file gives a home."""

    WEIGHTS = "weights"
    ACTIVATIONS = "activations"  # layer inputs and outputs, and temps that leave the chip
    MODEL_INPUTS = "model_inputs"
    MODEL_OUTPUTS = "model_outputs"

    @staticmethod
    def of(role: Role) -> TensorHome:
        """The home kind of a codelet operand by its role (model inputs/outputs are marked by
        the caller, who knows the model)."""
        return TensorHome.WEIGHTS if role is Role.WEIGHT else TensorHome.ACTIVATIONS


REQUIRED = (TensorHome.WEIGHTS, TensorHome.ACTIVATIONS)
DEFAULTS = {TensorHome.MODEL_INPUTS: TensorHome.ACTIVATIONS,
            TensorHome.MODEL_OUTPUTS: TensorHome.ACTIVATIONS}


def resolve(
    given: dict[TensorHome, str], offchip: tuple[str, ...]
) -> tuple[tuple[TensorHome, str], ...]:
    """Every kind's home: as given, else its default kind's, else the only off-chip memory."""
    out: dict[TensorHome, str] = {}
    for kind in TensorHome:
        name = given.get(kind)
        if name is None and kind in DEFAULTS:
            name = given.get(DEFAULTS[kind])
        if name is None and len(offchip) == 1:
            name = offchip[0]
        if name is not None:
            out[kind] = name
    return tuple(out.items())
