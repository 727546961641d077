"""The ONNX front end: ``load(path) -> Model`` of layers, each one node as a codelet."""

from covenant_lab.frontends.onnx.load import OPS, SUPPORTED_OPS, OnnxNode, load
from covenant_lab.frontends.onnx.lowering import Lowered
from covenant_lab.frontends.onnx.model import Layer, Model, TensorInfo
from covenant_lab.frontends.onnx.run import run_layers

__all__ = [
    "OPS",
    "SUPPORTED_OPS",
    "Layer",
    "Lowered",
    "Model",
    "OnnxNode",
    "TensorInfo",
    "load",
    "run_layers",
]
