"""Vulkan executions, one module per op family beside its shader (spirv_shaders/<family>.comp);
importing this package registers them all in VULKAN_REGISTRY."""
import importlib
import pkgutil

for _mod in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_mod.name}")
