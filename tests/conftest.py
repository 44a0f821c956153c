import atexit
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))   # tests/ helpers (suite_cases, helpers) importable

from hypothesis import settings  # noqa: E402

# The devices' program and pipeline caches (gpu_infer/backends/disk_cache.py) of a test run go
# to a folder of its own, removed at exit, unless GPU_INFER_CACHE_DIR names one.
if "GPU_INFER_CACHE_DIR" not in os.environ:
    os.environ["GPU_INFER_CACHE_DIR"] = tempfile.mkdtemp(prefix="gpu_infer-test-cache-")
    atexit.register(shutil.rmtree, os.environ["GPU_INFER_CACHE_DIR"], ignore_errors=True)

# The same examples on every run, so CI is reproducible; set GPU_INFER_HYPOTHESIS_RANDOM=1
# (and GPU_INFER_HYPOTHESIS_EXAMPLES=n) to explore fresh examples locally.
settings.register_profile("gpu_infer", derandomize=not os.environ.get("GPU_INFER_HYPOTHESIS_RANDOM"),
                          database=None)
settings.load_profile("gpu_infer")
