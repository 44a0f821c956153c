"""The onnxruntime drop-in: each behaviour checked against the installed onnxruntime where it has one."""
from __future__ import annotations

import json
import re
import warnings

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper

import gpu_infer
from gpu_infer.errors import (DeviceError, GpuInferError, InputError, OptionError, TerminatedError)
from gpu_infer.ort_compat.providers import BACKEND_OF, PROVIDERS, pick_providers
from gpu_infer.scheduler import BackendStatus, probe_all
from helpers import CLS_MODEL, rel_err

CPU = "CPUExecutionProvider"
GPU_PROVIDERS = ["OpenCLExecutionProvider", "VulkanExecutionProvider"]


def relu_model(dtype=TensorProto.FLOAT, shape=("N", 4), **props) -> onnx.ModelProto:
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu0")], "relu_graph",
                              [helper.make_tensor_value_info("x", dtype, list(shape))],
                              [helper.make_tensor_value_info("y", dtype, list(shape))])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], **props)


def identity_model(dtype) -> bytes:
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", dtype, [2])],
                              [helper.make_tensor_value_info("y", dtype, [2])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def auto_providers() -> list[str]:
    """What gpu_infer uses with no providers: backend "auto" (a real GPU if there is one), CPU last."""
    auto = gpu_infer.InferenceSession(relu_model().SerializeToString()).backend_name
    return [CPU] if auto == "cpu" else [PROVIDERS[auto], CPU]


def need(provider: str) -> None:
    if provider not in gpu_infer.get_available_providers():
        pytest.skip(f"{provider} is not available here")


# --- a script written for onnxruntime, run unchanged on both ---------------------------------------
def ort_style_script(ort, model_path: str, x: np.ndarray) -> dict:
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = 2
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    sess = ort.InferenceSession(model_path, so, providers=["CUDAExecutionProvider", "CPUExecutionProvider"])
    input_name = sess.get_inputs()[0].name
    output_name = sess.get_outputs()[0].name
    (probs,) = sess.run([output_name], {input_name: x.tolist()})
    (again,) = sess.run(None, {input_name: x}, ort.RunOptions())
    try:
        sess.run(None, {"image": x})
        bad_name = "accepted"
    except ValueError:
        bad_name = "ValueError"
    meta = sess.get_modelmeta()
    return {"probs": probs, "again": again, "bad_name": bad_name, "producer": meta.producer_name,
            "graph": meta.graph_name, "providers": sess.get_providers(), "input": input_name,
            "output": output_name, "level": int(sess.get_session_options().graph_optimization_level)}


def test_onnxruntime_script_runs_unchanged():
    x = np.random.default_rng(0).standard_normal((2, 3, 48, 192)).astype(np.float32)
    results = {}
    for ort in (onnxruntime, gpu_infer):
        with pytest.warns(UserWarning, match="CUDAExecutionProvider"):    # unavailable: both warn
            results[ort.__name__] = ort_style_script(ort, str(CLS_MODEL), x)
    want, got = results["onnxruntime"], results["gpu_infer"]
    assert rel_err(got["probs"], want["probs"]) < 1e-4
    np.testing.assert_array_equal(got["again"], got["probs"])
    assert {k: v for k, v in got.items() if k not in ("probs", "again")} == \
        {k: v for k, v in want.items() if k not in ("probs", "again")}


# --- providers ------------------------------------------------------------------------------------
def _session_providers(ort, capsys, providers, provider_options=None):
    """(providers used, whether the user was told something: a warning, or onnxruntime's banner)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sess = ort.InferenceSession(relu_model().SerializeToString(), providers=providers,
                                    provider_options=provider_options)
    banner = "EP Error" in capsys.readouterr().out
    return sess.get_providers(), bool(caught) or banner


@pytest.mark.parametrize("providers, provider_options", [
    (None, None),
    ([], None),
    ([CPU], None),
    ([(CPU, {})], None),
    ([CPU], [{}]),
    (["CUDAExecutionProvider"], None),                         # known, unavailable: warning, CPU
    (["CUDAExecutionProvider", CPU], None),
    (["DmlExecutionProvider", "CUDAExecutionProvider"], None),
    (["FooExecutionProvider"], None),                          # unknown: error, retried with CPU alone
    (["FooExecutionProvider", CPU], None),
    ([CPU, CPU], None),                                        # duplicate: warning
    (CPU, None),                                               # a str, not a list
    ([1], None),                                               # malformed entries
    ([(CPU, {}, 1)], None),
    ([(CPU, 5)], None),
    ([CPU], [{}, {}]),                                         # lengths differ
    ([(CPU, {})], [{}]),                                       # tuples and provider_options together
    ([CPU], [5]),
])
def test_provider_lists_behave_as_in_onnxruntime(providers, provider_options, capsys):
    want, ort_told = _session_providers(onnxruntime, capsys, providers, provider_options)
    got, we_told = _session_providers(gpu_infer, capsys, providers, provider_options)
    assert want == [CPU]
    assert got == (auto_providers() if not providers else want)
    assert we_told == ort_told


def _statuses(**valid: bool) -> dict[str, BackendStatus]:
    real = probe_all()
    return {name: real[name] if valid.get(name, True) else BackendStatus.invalid(name, "no driver (test)")
            for name in real}


def test_unavailable_gpu_provider_is_skipped_with_a_warning():
    statuses = _statuses(opencl=False)
    with pytest.warns(UserWarning, match=r"OpenCLExecutionProvider.*no driver \(test\)"):
        pick = pick_providers(["OpenCLExecutionProvider", CPU], None, statuses, strict=False)
    assert pick.usable == [CPU]


def test_unknown_provider_falls_back_to_cpu_alone_unless_strict():
    statuses = _statuses()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pick = pick_providers(["OpenClExecutionProvider", "VulkanExecutionProvider"], None, statuses, False)
    assert pick.usable == [CPU]                    # as onnxruntime: the rest of the list is dropped too
    assert [str(w.message).split(" ")[:2] for w in caught] == [["Specified", "provider"], ["EP", "Error"]]
    assert "Unknown Provider Type: OpenClExecutionProvider" in str(caught[1].message)
    with pytest.warns(UserWarning), pytest.raises(DeviceError, match="Unknown Provider Type") as info:
        pick_providers(["OpenClExecutionProvider"], None, statuses, strict=True)
    assert isinstance(info.value, RuntimeError)    # onnxruntime raises a RuntimeError for it
    with pytest.raises(OptionError, match="should be the same length") as info:
        pick_providers([CPU], [{}, {}], statuses, strict=True)
    assert isinstance(info.value, ValueError)      # onnxruntime raises a ValueError for it


@pytest.mark.parametrize("provider", GPU_PROVIDERS)
def test_gpu_provider_picks_its_backend_with_cpu_fallback(provider):
    need(provider)
    backend = BACKEND_OF[provider]
    sess = gpu_infer.InferenceSession(relu_model(), providers=[provider])
    assert sess.backend_name == backend and sess.get_providers() == [provider, CPU]   # CPU added, as in ort
    assert sess.get_provider_options() == {provider: {"precision": "fp32", "strict": "0"}, CPU: {}}
    x = np.array([[-1, 2, -3, 4]], np.float32)
    np.testing.assert_array_equal(sess.run(None, {"x": x})[0], np.maximum(x, 0))
    assert [b for _, _, b in sess.placement()] == [backend]


@pytest.mark.parametrize("provider", GPU_PROVIDERS)
def test_provider_options_carry_precision_and_strict(provider):
    need(provider)
    for kwargs in ({"providers": [(provider, {"precision": "fp16", "strict": True})]},
                   {"providers": [provider], "provider_options": [{"precision": "fp16", "strict": "1"}]}):
        sess = gpu_infer.InferenceSession(relu_model(), **kwargs)
        assert sess.strict and sess.resolved_precision == "fp16-storage"
        assert sess.get_providers() == [provider]                # strict: no CPU fallback
        assert sess.get_provider_options()[provider] == {"precision": "fp16-storage", "strict": "1"}
        assert sess.get_session_options().get_session_config_entry("session.disable_cpu_ep_fallback") == "1"


@pytest.mark.parametrize("provider", GPU_PROVIDERS)
def test_explicit_backend_wins_over_the_order_of_the_list(provider):
    need(provider)
    backend = BACKEND_OF[provider]
    sess = gpu_infer.InferenceSession(relu_model(), providers=[CPU, provider], backend=backend)
    assert sess.backend_name == backend and sess.get_providers() == [provider, CPU]


@pytest.mark.parametrize("kwargs, error, message", [
    ({"providers": [CPU], "backend": "opencl"}, OptionError, "contradicts providers"),
    ({"providers": [(CPU, {"precision": "fp32"})], "precision": "auto"}, OptionError, "contradictory precision"),
    ({"providers": [(CPU, {"strict": "0"})], "strict": True}, OptionError, "contradictory strict"),
    ({"providers": [("OpenCLExecutionProvider", {"precison": "fp16"})]}, OptionError, r"no option.*precison"),
    ({"providers": [("VulkanExecutionProvider", {"strict": "maybe"})]}, OptionError, "1/0 or true/false"),
    ({"providers": ["OpenCLExecutionProvider", CPU], "strict": True}, OptionError,
     "strict.*contradicts CPUExecutionProvider"),
    ({"providers": ["CUDAExecutionProvider"], "strict": True}, DeviceError, "strict forbids"),
    ({"providers": [CPU], "precision": "fp16"}, DeviceError, "invalid on cpu"),
    ({"strict": "yes"}, OptionError, "strict= takes a bool"),
])
def test_contradictory_or_bad_provider_settings(kwargs, error, message):
    if kwargs.get("strict") and "OpenCLExecutionProvider" in kwargs.get("providers", []):
        need("OpenCLExecutionProvider")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # an unavailable provider's warning is not the point
        with pytest.raises(error, match=message):
            gpu_infer.InferenceSession(relu_model(), **kwargs)


def test_cpu_provider_options_from_onnxruntime_scripts_are_ignored_with_a_warning():
    with pytest.warns(UserWarning, match="arena_extend_strategy.*ignored"):
        sess = gpu_infer.InferenceSession(relu_model(), providers=[(CPU, {"arena_extend_strategy": "x"})])
    assert sess.get_providers() == [CPU] and sess.get_provider_options() == {CPU: {}}


def test_strict_from_the_session_config_entry():
    so = gpu_infer.SessionOptions()
    so.add_session_config_entry("session.disable_cpu_ep_fallback", "1")
    sess = gpu_infer.InferenceSession(relu_model(), so, providers=[CPU])
    assert sess.strict and sess.get_providers() == [CPU]


def test_backend_is_keyword_only_now():
    with pytest.raises(OptionError, match="sess_options must be a gpu_infer.SessionOptions, got str"):
        gpu_infer.InferenceSession(relu_model(), "cpu")


def test_available_providers_and_device():
    statuses = probe_all()
    available = gpu_infer.get_available_providers()
    assert available[-1] == CPU
    for backend, provider in (("opencl", "OpenCLExecutionProvider"), ("vulkan", "VulkanExecutionProvider")):
        assert (provider in available) == statuses[backend].valid
    gpus = [s for s in statuses.values() if s.valid and s.device and s.device.device_type.upper().endswith("GPU")]
    assert gpu_infer.get_device() == ("GPU" if gpus else "CPU")
    assert onnxruntime.get_device() in ("CPU", "GPU")


# --- options ----------------------------------------------------------------------------------------
def plain(value):
    return value if isinstance(value, str) else int(value)


def test_options_have_onnxruntime_defaults_and_enum_values():
    for ours, theirs in ((gpu_infer.SessionOptions(), onnxruntime.SessionOptions()),
                         (gpu_infer.RunOptions(), onnxruntime.RunOptions())):
        fields = [k for k in dir(type(ours)) if not k.startswith("_") and not callable(getattr(ours, k))]
        assert len(fields) >= 5
        for name in fields:                     # enums compared by value: the two enum types differ
            assert plain(getattr(ours, name)) == plain(getattr(theirs, name)), name
    for enum_name in ("GraphOptimizationLevel", "ExecutionMode"):
        ours, theirs = getattr(gpu_infer, enum_name), getattr(onnxruntime, enum_name)
        assert {m.name: int(m) for m in ours} == {k: int(v) for k, v in theirs.__members__.items()}


def test_options_are_type_checked_and_misspellings_refused():
    so = gpu_infer.SessionOptions()
    so.enable_profiling = 1                       # onnxruntime takes ints for bools too
    so.graph_optimization_level = 0
    assert so.enable_profiling is True
    assert so.graph_optimization_level is gpu_infer.GraphOptimizationLevel.ORT_DISABLE_ALL
    for name, value in (("intra_op_num_threads", 2.5), ("graph_optimization_level", 5),
                        ("enable_profiling", "yes"), ("profile_file_prefix", 3)):
        with pytest.raises(OptionError, match=name):
            setattr(so, name, value)
    with pytest.raises(AttributeError):
        so.enable_profilling = True               # noqa: B018  (a typo must not pass silently)
    with pytest.raises(OptionError, match="does not have configuration with key"):
        so.get_session_config_entry("nope")
    with pytest.raises(OptionError):
        so.add_session_config_entry("key", 1)


def test_graph_optimization_level_disable_all_turns_the_optimizer_off():
    so = gpu_infer.SessionOptions()
    so.graph_optimization_level = gpu_infer.GraphOptimizationLevel.ORT_DISABLE_ALL
    plain = gpu_infer.InferenceSession(CLS_MODEL, so, providers=[CPU])
    optimized = gpu_infer.InferenceSession(CLS_MODEL, providers=[CPU])
    x = np.random.default_rng(1).standard_normal((1, 3, 48, 192)).astype(np.float32)
    assert not plain.optimize_graph and optimized.optimize_graph
    assert len(plain.placement({"x": x})) > len(optimized.placement({"x": x}))
    reflected = gpu_infer.InferenceSession(CLS_MODEL, backend="cpu", optimize_graph=False)
    assert reflected.get_session_options().graph_optimization_level == 0      # the keyword wins, and shows
    assert rel_err(plain.run(None, {"x": x})[0], optimized.run(None, {"x": x})[0]) < 1e-5


def test_optimized_model_filepath_writes_a_loadable_gim(tmp_path):
    so = gpu_infer.SessionOptions()
    so.optimized_model_filepath = str(tmp_path / "cls.gim")
    sess = gpu_infer.InferenceSession(CLS_MODEL, so, providers=[CPU])
    saved = gpu_infer.InferenceSession(so.optimized_model_filepath, providers=[CPU])
    x = np.random.default_rng(2).standard_normal((1, 3, 48, 192)).astype(np.float32)
    assert len(saved.placement({"x": x})) == len(sess.placement({"x": x}))
    assert rel_err(saved.run(None, {"x": x})[0], sess.run(None, {"x": x})[0]) < 1e-5
    so.optimized_model_filepath = str(tmp_path / "missing" / "cls.gim")
    with pytest.raises(OptionError, match="optimized_model_filepath.*does not exist"):
        gpu_infer.InferenceSession(CLS_MODEL, so, providers=[CPU])


def test_run_options():
    sess = gpu_infer.InferenceSession(relu_model(), providers=[CPU])
    ro = gpu_infer.RunOptions()
    ro.log_severity_level = 3
    ro.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    assert ro.get_run_config_entry("memory.enable_memory_arena_shrinkage") == "cpu:0"
    assert sess.run(None, {"x": [[1.0, -1.0, 2.0, -2.0]]}, ro)[0].tolist() == [[1, 0, 2, 0]]
    ro.terminate = True
    with pytest.raises(TerminatedError):
        sess.run(None, {"x": [[1.0, -1.0, 2.0, -2.0]]}, ro)
    with pytest.raises(OptionError, match="run_options"):
        sess.run(None, {"x": [[1.0, -1.0, 2.0, -2.0]]}, {"terminate": True})


# --- metadata, profiling ---------------------------------------------------------------------------
def test_modelmeta_matches_onnxruntime():
    model = relu_model(producer_name="maker", producer_version="2.1", domain="ai.example", model_version=7,
                       doc_string="what it does")
    model.graph.doc_string = "the graph"
    helper.set_model_props(model, {"author": "me", "license": "MIT"})
    data = model.SerializeToString()
    want = onnxruntime.InferenceSession(data, providers=[CPU]).get_modelmeta()
    got = gpu_infer.InferenceSession(data, providers=[CPU]).get_modelmeta()
    for field in ("producer_name", "graph_name", "domain", "description", "graph_description", "version",
                  "custom_metadata_map"):
        assert getattr(got, field) == getattr(want, field), field


def _profile(ort, tmp_path, monkeypatch) -> tuple[str, list[dict]]:
    monkeypatch.chdir(tmp_path)
    so = ort.SessionOptions()
    so.enable_profiling = True
    sess = ort.InferenceSession(relu_model().SerializeToString(), so, providers=[CPU])
    for _ in range(2):
        sess.run(None, {"x": np.ones((1, 4), np.float32)})
    path = sess.end_profiling()
    assert sess.end_profiling() == ""                       # profiling has stopped
    with open(path) as f:
        return path, json.load(f)


def test_profiling_writes_a_chrome_trace_like_onnxruntime(tmp_path, monkeypatch):
    (tmp_path / "ort").mkdir()
    ort_path, ort_events = _profile(onnxruntime, tmp_path / "ort", monkeypatch)
    path, events = _profile(gpu_infer, tmp_path, monkeypatch)
    pattern = r"onnxruntime_profile__\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d_\d{3}\.json"
    assert re.fullmatch(pattern, ort_path) and re.fullmatch(pattern, path)
    assert {tuple(sorted(e)) for e in events} == {tuple(sorted(ort_events[0]))}    # same event keys
    assert all(e["ph"] == "X" and e["dur"] >= 0 and e["ts"] >= 0 for e in events)
    kernels = [e for e in events if e["cat"] == "Node"]
    ort_kernels = [e for e in ort_events if e["cat"] == "Node"]
    assert [e["name"] for e in kernels] == [e["name"] for e in ort_kernels] == ["relu0_kernel_time"] * 2
    assert all(e["args"]["op_name"] == "Relu" and e["args"]["provider"] == CPU for e in kernels)
    assert sum(e["name"] == "model_run" for e in events) == 2


def test_end_profiling_without_profiling_is_empty_as_in_onnxruntime():
    for ort in (onnxruntime, gpu_infer):
        assert ort.InferenceSession(relu_model().SerializeToString(), providers=[CPU]).end_profiling() == ""


# --- feeds -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype, value", [
    (TensorProto.FLOAT, [1.5, -2.0]), (TensorProto.FLOAT, [1, 2]), (TensorProto.FLOAT, ["1", "2.5"]),
    (TensorProto.FLOAT, [True, False]), (TensorProto.FLOAT, [np.float64(1.5), 2]),
    (TensorProto.FLOAT16, [1.5, 2.7]), (TensorProto.DOUBLE, [1e300, -1]),
    (TensorProto.INT64, [1.5, -2.7]), (TensorProto.INT64, ["3", "4"]), (TensorProto.INT32, [7, -8]),
    (TensorProto.UINT8, [1, 255]), (TensorProto.BOOL, [1, 0]), (TensorProto.STRING, [1.5, "a"]),
])
def test_list_feeds_convert_as_in_onnxruntime(dtype, value):
    data = identity_model(dtype)
    (want,) = onnxruntime.InferenceSession(data, providers=[CPU]).run(None, {"x": value})
    (got,) = gpu_infer.InferenceSession(data, providers=[CPU]).run(None, {"x": value})
    assert got.dtype == want.dtype and got.tolist() == want.tolist()


def test_tuples_and_scalars_convert_too():
    sess = gpu_infer.InferenceSession(relu_model(shape=()), providers=[CPU])
    assert sess.run(None, {"x": -3})[0].tolist() == 0.0 and sess.run(None, {"x": 2.5})[0].dtype == np.float32
    sess = gpu_infer.InferenceSession(relu_model(), providers=[CPU])
    assert sess.run(None, {"x": ((1, -2, 3, -4),)})[0].tolist() == [[1, 0, 3, 0]]


@pytest.mark.parametrize("dtype, value, message", [
    (TensorProto.FLOAT, [1, [2]], "inhomogeneous"),
    (TensorProto.FLOAT, ["a", "b"], "could not convert string"),
    (TensorProto.INT64, [1, None], "NoneType"),
    (TensorProto.UINT8, [-1, 2], "out of bounds"),
    (TensorProto.INT64, [10**30, 1], "too large"),
    (TensorProto.FLOAT, [1j, 2], "complex"),
    (TensorProto.FLOAT, {"a": 1}, "is a dict"),
    (TensorProto.FLOAT, None, "is a NoneType"),
])
def test_unconvertible_feeds_name_the_input(dtype, value, message):
    with pytest.raises(InputError, match=f"input 'x'.*{message}") as info:
        gpu_infer.InferenceSession(identity_model(dtype), providers=[CPU]).run(None, {"x": value})
    assert isinstance(info.value, ValueError)
    with pytest.raises(Exception):               # onnxruntime refuses them too (RuntimeError / Fail)
        onnxruntime.InferenceSession(identity_model(dtype), providers=[CPU]).run(None, {"x": value})


def test_numpy_arrays_of_another_dtype_stay_an_error_as_in_onnxruntime():
    x = np.zeros((1, 4), np.float64)
    with pytest.raises(Exception, match="(?i)type"):
        onnxruntime.InferenceSession(relu_model().SerializeToString(), providers=[CPU]).run(None, {"x": x})
    with pytest.raises(InputError, match="dtype float64, the model expects float32"):
        gpu_infer.InferenceSession(relu_model(), providers=[CPU]).run(None, {"x": x})


@pytest.mark.parametrize("feeds", [{"image": np.zeros((1, 4), np.float32)}, {}])
def test_wrong_or_missing_input_names_are_value_errors_in_both(feeds):
    for ort in (onnxruntime, gpu_infer):
        with pytest.raises(ValueError):
            ort.InferenceSession(relu_model().SerializeToString(), providers=[CPU]).run(None, feeds)


def test_output_names_empty_means_all_and_str_is_refused():
    sess = gpu_infer.InferenceSession(relu_model(), providers=[CPU])
    x = np.ones((1, 4), np.float32)
    assert len(sess.run([], {"x": x})) == 1                    # as onnxruntime: [] -> every output
    with pytest.raises(InputError, match="list of names"):
        sess.run("y", {"x": x})


def test_error_classes_derive_from_what_onnxruntime_users_catch():
    assert issubclass(InputError, ValueError) and issubclass(OptionError, ValueError)
    assert issubclass(DeviceError, RuntimeError) and issubclass(TerminatedError, RuntimeError)
    for cls in (InputError, OptionError, DeviceError, TerminatedError):
        assert issubclass(cls, GpuInferError)
