"""The codelet library: one function per DNN operation, each returning a verified Codelet.

Operand names: inputs ``x`` (``a``, ``b`` for binary ops and matrix products; ``x0..xn`` for
concat), weights ``w``, bias ``b`` (``c`` for Gemm), output ``y`` (``y0..yn`` for split), temps
``t0, t1, ...``. Operands are float32 unless ``dtype`` says otherwise.
"""

from covenant_lab.codelets.chain import chain
from covenant_lab.codelets.library.constants import constants, flat_operands
from covenant_lab.codelets.library.conv import conv2d
from covenant_lab.codelets.library.elementwise import (
    clip,
    elementwise,
    erf,
    exp,
    gelu,
    leaky_relu,
    relu,
    sigmoid,
    sqrt,
    tanh,
)
from covenant_lab.codelets.library.gemm import gemm, matmul
from covenant_lab.codelets.library.normalization import batchnorm, layernorm, softmax
from covenant_lab.codelets.library.pool import avgpool2d, global_avgpool, maxpool2d
from covenant_lab.codelets.library.reduce import reduce
from covenant_lab.codelets.library.shape import concat, reshape, split, transpose

__all__ = [
    "avgpool2d",
    "batchnorm",
    "chain",
    "clip",
    "concat",
    "constants",
    "conv2d",
    "elementwise",
    "erf",
    "exp",
    "flat_operands",
    "gelu",
    "gemm",
    "global_avgpool",
    "layernorm",
    "leaky_relu",
    "matmul",
    "maxpool2d",
    "reduce",
    "relu",
    "reshape",
    "sigmoid",
    "softmax",
    "split",
    "sqrt",
    "tanh",
    "transpose",
]
