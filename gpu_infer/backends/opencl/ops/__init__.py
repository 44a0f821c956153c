"""OpenCL executions, one module per op family beside its kernel (cl_kernels/<family>.cl);
importing this package registers them all in OPENCL_REGISTRY."""
import importlib
import pkgutil

for _mod in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_mod.name}")
