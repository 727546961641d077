"""One BERT-base encoder layer (post-norm), batch 1, as an ONNX graph.

The batch of one is folded away: the input is ``[seq, hidden]`` so the suite's shapes appear
as they are (``[128, 768] x [768, 2304]`` for the fused QKV projection). Node names::

    attention.qkv (MatMul, fused W_qkv [hidden, 3*hidden]) -> attention.qkv.add_bias (Add)
    attention.split (Split in q, k, v)
    attention.{q,k,v}.reshape ([seq, heads, dh]) -> attention.{q,k,v}.transpose
        (q, v -> [heads, seq, dh]; k -> [heads, dh, seq])
    attention.scores (batched MatMul [heads, seq, dh] x [heads, dh, seq])
    attention.scale (Div by sqrt(dh)) -> attention.softmax (last axis)
    attention.context (batched MatMul [heads, seq, seq] x [heads, seq, dh])
    attention.context.transpose ([seq, heads, dh]) -> attention.context.reshape ([seq, hidden])
    attention.output (MatMul) -> attention.output.add_bias (Add) -> attention.add (residual)
    attention.layernorm (LayerNormalization)
    ffn.fc1 (MatMul [hidden, ffn]) -> ffn.fc1.add_bias (Add) -> ffn.gelu (Gelu, erf form)
    ffn.fc2 (MatMul [ffn, hidden]) -> ffn.fc2.add_bias (Add) -> ffn.add (residual)
    ffn.layernorm (LayerNormalization) = the output
"""

from __future__ import annotations

import math

import numpy as np
import onnx

from covenant_lab.models._graph import GraphBuilder


def _linear(g: GraphBuilder, x: str, fan_in: int, fan_out: int, name: str) -> str:
    w = g.normal(f"{name}.weight", (fan_in, fan_out), 1.0 / math.sqrt(fan_in))
    b = g.normal(f"{name}.bias", (fan_out,), 0.05)
    return g.node("Add", [g.node("MatMul", [x, w], name=name), b], name=f"{name}.add_bias")


def _layernorm(g: GraphBuilder, x: str, hidden: int, name: str) -> str:
    scale = g.normal(f"{name}.weight", (hidden,), 0.1, mean=1.0)
    bias = g.normal(f"{name}.bias", (hidden,), 0.1)
    return g.node("LayerNormalization", [x, scale, bias], name=name, axis=-1, epsilon=1e-12)


def _heads(g: GraphBuilder, t: str, shape: str, perm: tuple[int, ...], name: str) -> str:
    r = g.node("Reshape", [t, shape], name=f"{name}.reshape")
    return g.node("Transpose", [r], name=f"{name}.transpose", perm=list(perm))


def bert_encoder_layer(
    seq: int = 128, hidden: int = 768, heads: int = 12, ffn: int = 3072, *, seed: int = 0
) -> onnx.ModelProto:
    """One BERT encoder layer: self-attention and feed-forward, each with residual + LayerNorm."""
    if hidden % heads:
        raise ValueError(f"bert_encoder_layer: hidden {hidden} is not a multiple of heads {heads}")
    dh = hidden // heads
    g = GraphBuilder("bert_encoder_layer", seed=seed)
    x = g.input("input", (seq, hidden))
    qkv = _linear(g, x, hidden, 3 * hidden, "attention.qkv")
    sizes = g.const("attention.split.sizes", np.array([hidden] * 3, dtype=np.int64))
    q, k, v = g.node_outputs("Split", [qkv, sizes], name="attention.split", outputs=3, axis=1)
    head_shape = g.const("attention.head_shape", np.array([seq, heads, dh], dtype=np.int64))
    q = _heads(g, q, head_shape, (1, 0, 2), "attention.q")
    k = _heads(g, k, head_shape, (1, 2, 0), "attention.k")
    v = _heads(g, v, head_shape, (1, 0, 2), "attention.v")
    scores = g.node("MatMul", [q, k], name="attention.scores")
    divisor = g.const("attention.scale.divisor", np.array(math.sqrt(dh), dtype=np.float32))
    scores = g.node("Div", [scores, divisor], name="attention.scale")
    probs = g.node("Softmax", [scores], name="attention.softmax", axis=-1)
    ctx = g.node("MatMul", [probs, v], name="attention.context")
    ctx = g.node("Transpose", [ctx], name="attention.context.transpose", perm=[1, 0, 2])
    flat = g.const("attention.flat_shape", np.array([seq, hidden], dtype=np.int64))
    ctx = g.node("Reshape", [ctx, flat], name="attention.context.reshape")
    out = _linear(g, ctx, hidden, hidden, "attention.output")
    h = _layernorm(g, g.node("Add", [out, x], name="attention.add"), hidden, "attention.layernorm")
    f = _linear(g, h, hidden, ffn, "ffn.fc1")
    f = g.node("Gelu", [f], name="ffn.gelu", approximate="none")
    f = _linear(g, f, ffn, hidden, "ffn.fc2")
    y = _layernorm(g, g.node("Add", [f, h], name="ffn.add"), hidden, "ffn.layernorm")
    g.output(y, (seq, hidden))
    return g.build()
