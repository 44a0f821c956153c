"""list_devices(): every backend and precision, valid or invalid, with the reason."""
from __future__ import annotations

from .scheduler import BACKEND_ORDER, BackendStatus, probe_all


def list_devices() -> list[BackendStatus]:
    statuses = probe_all()
    return [statuses[name] for name in BACKEND_ORDER]


def format_devices(statuses: list[BackendStatus]) -> str:
    lines = []
    for st in statuses:
        lines.append(f"{st.backend}: {'valid' if st.valid else 'INVALID'} - {st.reason}")
        for dev in st.devices:
            lines.append(f"  device: {dev.name} [{dev.device_type}] vendor={dev.vendor} "
                         f"driver={dev.driver} {dev.platform}".rstrip())
        for level, v in st.precisions.items():
            lines.append(f"  {level:13s} {'valid  ' if v.valid else 'INVALID'} {v.reason}")
    return "\n".join(lines)
