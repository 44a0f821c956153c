"""OpenCL capability probe: platforms and devices through pyopencl, validity per precision."""
from __future__ import annotations

from .status import PRECISIONS, BackendStatus, DeviceInfo, Validity

_TYPE_RANK = {"GPU": 0, "ACCELERATOR": 1, "CPU": 2}


def _device_type(cl, dev) -> str:
    t = dev.type
    for name in ("GPU", "ACCELERATOR", "CPU"):
        if t & getattr(cl.device_type, name):
            return name
    return "OTHER"


def _describe(cl, platform, dev, p_index: int, d_index: int) -> DeviceInfo:
    ext = dev.extensions.split()
    return DeviceInfo(
        backend="opencl", name=dev.name.strip(), vendor=dev.vendor.strip(), driver=dev.driver_version.strip(),
        device_type=_device_type(cl, dev),
        platform=f"{platform.name.strip()}, {' '.join(platform.version.split()[:3])}",
        properties={
            "platform_index": p_index, "device_index": d_index,
            "opencl_c_version": dev.opencl_c_version.strip(),
            "compute_units": dev.max_compute_units,
            "max_work_group_size": dev.max_work_group_size,
            "local_mem_bytes": dev.local_mem_size,
            "global_mem_bytes": dev.global_mem_size,
            "max_alloc_bytes": dev.max_mem_alloc_size,
            "mem_base_addr_align_bits": dev.mem_base_addr_align,
            "cl_khr_fp16": "cl_khr_fp16" in ext,
            "extensions": ext,
        })


def probe_opencl() -> BackendStatus:
    try:
        import pyopencl as cl
    except Exception as exc:   # noqa: BLE001  (ImportError, or the ICD loader library missing)
        return BackendStatus.invalid("opencl", f"pyopencl cannot be imported: {type(exc).__name__}: {exc}")
    try:
        platforms = cl.get_platforms()
    except Exception as exc:   # noqa: BLE001  (PLATFORM_NOT_FOUND_KHR when no ICD is registered)
        return BackendStatus.invalid("opencl", f"no OpenCL platform (is an ICD such as pocl-opencl-icd "
                                               f"installed?): {exc}")
    found: list[DeviceInfo] = []
    for pi, platform in enumerate(platforms):
        try:
            devices = platform.get_devices()
        except Exception:   # noqa: BLE001  (a platform without devices raises DEVICE_NOT_FOUND)
            continue
        found += [_describe(cl, platform, d, pi, di) for di, d in enumerate(devices)]
    if not found:
        return BackendStatus.invalid("opencl", "OpenCL platforms found, but no devices")
    found.sort(key=lambda d: (_TYPE_RANK.get(d.device_type, 3), -d.properties["compute_units"]))
    best = found[0]
    fp16 = best.properties["cl_khr_fp16"]
    precisions = {
        "fp32": Validity(True, "float32 buffers and arithmetic"),
        "fp16-storage": Validity(True, "half buffers through vload_half/vstore_half (core OpenCL), "
                                       "float arithmetic"),
        "fp16-arith": Validity(fp16, "cl_khr_fp16 present" if fp16 else "device lacks cl_khr_fp16 "
                                                                         "(no half arithmetic)"),
    }
    assert set(precisions) == set(PRECISIONS)
    return BackendStatus("opencl", True, f"{best.name} on {best.platform}", devices=found,
                         precisions=precisions)
