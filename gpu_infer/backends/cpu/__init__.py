from .backend import CPUBackend, evaluate_node
from .registry import CPU_REGISTRY, NumpyExecution, register

__all__ = ["CPUBackend", "evaluate_node", "CPU_REGISTRY", "NumpyExecution", "register"]
