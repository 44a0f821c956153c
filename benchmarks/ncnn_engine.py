"""ncnn's Vulkan path as a benchmark engine: ONNX models converted with pnnx (cached), run
through PyPI `ncnn` on a chosen Vulkan device at FP32 or FP16.

Both packages are optional (`pip install -e '.[bench-ncnn]'`): `missing()` says what is absent and
nothing here imports them before it is needed.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import shutil
import subprocess
from pathlib import Path

import numpy as np
import platformdirs

# ncnn's reduced-precision switches: all off for the FP32 row; the FP16 ones on for the FP16 row
FP16_OPTIONS = ("use_fp16_packed", "use_fp16_storage", "use_fp16_arithmetic")
OTHER_LOW_PRECISION = ("use_bf16_packed", "use_bf16_storage", "use_int8_packed", "use_int8_storage",
                       "use_int8_arithmetic", "use_int8_inference")
# ncnn's own CPU threads: with the Vulkan path they only pack and convert on the host, and on a
# CPU-emulated device (lavapipe) every spinning OpenMP thread takes a core from the device
NCNN_THREADS = 1


def missing() -> list[str]:
    """The optional packages this engine needs that are not installed."""
    return [name for name in ("ncnn", "pnnx") if importlib.util.find_spec(name) is None]


def versions() -> dict[str, str]:
    return {name: importlib.metadata.version(name) for name in ("ncnn", "pnnx")}


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("gpu_infer")) / "ncnn"


def convert(model: Path, shape: tuple[int, ...]) -> tuple[Path, Path]:
    """(.ncnn.param, .ncnn.bin) of `model` at input `shape`, converted once with pnnx into the
    user cache folder (keyed by the model's bytes, the shape and pnnx's version)."""
    key = hashlib.sha256(model.read_bytes() + repr((shape, versions()["pnnx"])).encode()).hexdigest()[:16]
    folder = cache_dir() / f"{model.stem}-{key}"
    param, weights = folder / "model.ncnn.param", folder / "model.ncnn.bin"
    if param.exists() and weights.exists():
        return param, weights
    folder.mkdir(parents=True, exist_ok=True)
    # pnnx writes its outputs beside its input, named after it (with '-' and the like replaced)
    shutil.copyfile(model, folder / "model.onnx")
    spec = importlib.util.find_spec("pnnx")
    exe = Path(spec.origin).parent / "pnnx"                 # the converter binary the wheel ships
    done = subprocess.run([str(exe), "model.onnx", f"inputshape=[{','.join(map(str, shape))}]"], cwd=folder,
                          capture_output=True, text=True)
    if done.returncode or not (param.exists() and weights.exists()):
        said = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise RuntimeError(f"pnnx could not convert {model.name} (exit status {done.returncode}): {said}")
    return param, weights


def vulkan_devices() -> list[str]:
    """ncnn's Vulkan devices, by index."""
    import ncnn
    return [ncnn.get_gpu_info(i).device_name() for i in range(ncnn.get_gpu_count())]


def device_index(name: str | None) -> int:
    """ncnn's index of the device called `name` (the one our Vulkan backend uses), else its default."""
    names = vulkan_devices()
    if not names:
        raise RuntimeError("ncnn finds no Vulkan device")
    import ncnn
    return names.index(name) if name in names else ncnn.get_default_gpu_index()


class NcnnVulkan:
    """One ncnn network on one Vulkan device; `run(x)` feeds one NCHW batch-1 input and returns
    the first output, shaped like onnxruntime's (`out_shape`)."""

    def __init__(self, param: Path, weights: Path, device: int, fp16: bool, out_shape: tuple[int, ...]):
        import ncnn
        self.ncnn = ncnn
        self.out_shape = out_shape
        self.net = ncnn.Net()
        opt = self.net.opt
        opt.use_vulkan_compute = True
        opt.num_threads = NCNN_THREADS
        opt.openmp_blocktime = 0
        for flag in FP16_OPTIONS:
            setattr(opt, flag, fp16)
        for flag in OTHER_LOW_PRECISION:
            if hasattr(opt, flag):
                setattr(opt, flag, False)
        self.net.set_vulkan_device(device)
        if self.net.load_param(str(param)) or self.net.load_model(str(weights)):
            raise RuntimeError(f"ncnn could not load {param.name}")
        self.input, self.output = self.net.input_names()[0], self.net.output_names()[0]

    def run(self, x: np.ndarray) -> np.ndarray:
        data = np.ascontiguousarray(x[0])                   # the Mat borrows these bytes: keep them alive
        with self.net.create_extractor() as ex:
            ex.input(self.input, self.ncnn.Mat(data))
            status, out = ex.extract(self.output)
            if status:
                raise RuntimeError(f"ncnn's extract returned {status}")
            return np.array(out).reshape(self.out_shape)

    def close(self) -> None:
        self.net.clear()


def release() -> None:
    """ncnn's Vulkan instance, torn down before the interpreter exits."""
    import ncnn
    ncnn.destroy_gpu_instance()
