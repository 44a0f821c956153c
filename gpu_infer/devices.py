"""list_devices(): every backend and precision, valid or invalid, with the reason."""
from __future__ import annotations

from .scheduler import BACKEND_ORDER, BackendStatus, probe_all


def list_devices() -> list[BackendStatus]:
    statuses = probe_all()
    return [statuses[name] for name in BACKEND_ORDER]


# the capabilities worth a glance, per backend (all of them are in --json)
HEADLINE = {
    "opencl": ("compute_units", "max_work_group_size", "local_mem_bytes", "max_alloc_bytes", "cl_khr_fp16"),
    "vulkan": ("subgroup_size", "shaderFloat16", "storageBuffer16BitAccess", "storageBuffer8BitAccess",
               "max_storage_buffer_range", "max_compute_work_group_invocations"),
}


def format_devices(statuses: list[BackendStatus]) -> str:
    lines = []
    for st in statuses:
        lines.append(f"{st.backend}: {'valid' if st.valid else 'INVALID'} - {st.reason}")
        for dev in st.devices:
            lines.append(f"  device: {dev.name} [{dev.device_type}] vendor={dev.vendor} "
                         f"driver={dev.driver} {dev.platform}".rstrip())
            caps = [f"{k}={dev.properties[k]}" for k in HEADLINE.get(dev.backend, ()) if k in dev.properties]
            if caps:
                lines.append("    " + " ".join(caps))
        for level, v in st.precisions.items():
            lines.append(f"  {level:13s} {'valid  ' if v.valid else 'INVALID'} {v.reason}")
    return "\n".join(lines)
