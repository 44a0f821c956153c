import os
import sys

sys.path.insert(0, os.path.dirname(__file__))   # tests/ helpers (suite_cases, helpers) importable

from hypothesis import settings  # noqa: E402

# The same examples on every run, so CI is reproducible; set GPU_INFER_HYPOTHESIS_RANDOM=1
# (and GPU_INFER_HYPOTHESIS_EXAMPLES=n) to explore fresh examples locally.
settings.register_profile("gpu_infer", derandomize=not os.environ.get("GPU_INFER_HYPOTHESIS_RANDOM"),
                          database=None)
settings.load_profile("gpu_infer")
