import os
import sys

sys.path.insert(0, os.path.dirname(__file__))   # tests/ helpers (suite_cases, helpers) importable

from hypothesis import settings  # noqa: E402

# The same examples on every run, so CI is reproducible; set GPU_INFER_HYPOTHESIS_RANDOM=1
# (and GPU_INFER_HYPOTHESIS_EXAMPLES=n) to explore fresh examples locally.
settings.register_profile("gpu_infer", derandomize=not os.environ.get("GPU_INFER_HYPOTHESIS_RANDOM"),
                          database=None)
settings.load_profile("gpu_infer")


# -- Vulkan validation (GPU_INFER_VK_VALIDATION=1): a message of the layer fails the test --------
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _vulkan_validation_is_silent():
    yield
    if os.environ.get("GPU_INFER_VK_VALIDATION", "") in ("", "0"):
        return
    runtime = sys.modules.get("gpu_infer.backends.vulkan.runtime")    # loaded only by Vulkan work
    messages = runtime.validation_messages() if runtime is not None else []
    if messages:
        pytest.fail(f"{len(messages)} Vulkan validation message(s):\n" + "\n".join(m[:2000] for m in messages[:5]),
                    pytrace=False)
