"""Packages: gpu_infer and its subpackages, plus the design card's top-level folders
(scheduler/, cl_kernels/, spirv_shaders/) mapped under the gpu_infer namespace."""
from setuptools import find_packages, setup

MAPPED = ["gpu_infer.scheduler", "gpu_infer.cl_kernels", "gpu_infer.spirv_shaders"]
setup(packages=find_packages(include=["gpu_infer", "gpu_infer.*"]) + MAPPED)
