"""ONNX in, Graph IR out: loading, conversion, shape specialization, .gim files."""
from .gim import save_gim
from .loader import load_model
from .onnx_import import graph_from_onnx, graph_to_onnx
from .specialize import fold_constants, specialize

__all__ = ["load_model", "graph_from_onnx", "graph_to_onnx", "specialize", "fold_constants", "save_gim"]
