"""onnxruntime's Python API on gpu_infer: options, providers, model metadata, profiling.

``import gpu_infer as ort`` runs a script written for onnxruntime; README's "onnxruntime drop-in"
lists what maps to what and what is accepted without effect. Importing this touches no driver.
"""
from .metadata import ModelMetadata
from .options import ExecutionMode, GraphOptimizationLevel, RunOptions, SessionOptions, check_run_options
from .providers import get_all_providers, get_available_providers, get_device

__all__ = ["ModelMetadata", "ExecutionMode", "GraphOptimizationLevel", "RunOptions", "SessionOptions",
           "check_run_options", "get_all_providers", "get_available_providers", "get_device"]
