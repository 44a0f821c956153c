"""Invalid models are refused before anything runs, as onnxruntime refuses them, with an error that
names the node, the attribute or input, the bad value and what was expected.

Each case is checked against onnxruntime too: it must refuse the model (at load or at run).
A model wrong whatever it is fed is a ModelLoadError at load; one wrong only for the shapes
(or shape-deciding values) it is fed is a ShapeInferenceError at run.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import gpu_infer
from gpu_infer.errors import GpuInferError, ModelLoadError, ShapeInferenceError

ort = pytest.importorskip("onnxruntime")

F32, I64 = np.float32, np.int64


@dataclass
class Case:
    """A one-node model: `inputs` are fed (declared with `declared` shapes, default: their own),
    `consts` are initializers; the node reads inputs then consts, in the order given."""
    op: str
    inputs: dict[str, np.ndarray]
    consts: dict[str, np.ndarray] = field(default_factory=dict)
    attrs: dict = field(default_factory=dict)
    declared: dict[str, list] = field(default_factory=dict)
    n_out: int = 1
    opset: int = 17
    order: list[str] | None = None

    def model(self) -> onnx.ModelProto:
        names = self.order or list(self.inputs) + list(self.consts)
        node = helper.make_node(self.op, names, [f"y{i}" for i in range(self.n_out)], name="bad", **self.attrs)
        ins = [helper.make_tensor_value_info(k, helper.np_dtype_to_tensor_dtype(v.dtype),
                                             self.declared.get(k, list(v.shape))) for k, v in self.inputs.items()]
        outs = [onnx.ValueInfoProto(name=f"y{i}") for i in range(self.n_out)]
        graph = helper.make_graph([node], "g", ins, outs,
                                  [numpy_helper.from_array(v, k) for k, v in self.consts.items()])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)], ir_version=8)
        inferred = onnx.shape_inference.infer_shapes(model)          # output types, where onnx can
        for out, vi in zip(model.graph.output, inferred.graph.output):
            out.type.tensor_type.elem_type = vi.type.tensor_type.elem_type or TensorProto.FLOAT
            out.type.tensor_type.shape.dim.add().dim_param = "any"   # checker wants a shape
        return model


def x(*shape: int, dtype=F32) -> np.ndarray:
    return np.ones(shape, dtype)


DYN4 = ["N", "C", "H", "W"]
# id -> (case, error class, what the message must say)
CASES: dict[str, tuple[Case, type[GpuInferError], str]] = {
    "conv_kernel_0": (Case("Conv", {"x": x(1, 1, 4, 4)}, {"w": x(1, 1, 1, 1)}, {"kernel_shape": [0, 0]}),
                      ModelLoadError, r"attribute kernel_shape = \[0, 0\]; expected every value >= 1"),
    "maxpool_kernel_0": (Case("MaxPool", {"x": x(1, 1, 4, 4)}, attrs={"kernel_shape": [0, 0]}),
                         ModelLoadError, "attribute kernel_shape = \\[0, 0\\]"),
    "avgpool_kernel_0": (Case("AveragePool", {"x": x(1, 1, 4, 4)}, attrs={"kernel_shape": [2, 0]}),
                         ModelLoadError, "attribute kernel_shape = \\[2, 0\\]"),
    "pool_stride_0": (Case("MaxPool", {"x": x(1, 1, 4, 4)}, attrs={"kernel_shape": [2, 2], "strides": [0, 1]}),
                      ModelLoadError, "attribute strides = \\[0, 1\\]"),
    "pool_pad_negative": (Case("AveragePool", {"x": x(1, 1, 4, 4)},
                               attrs={"kernel_shape": [2, 2], "pads": [0, -1, 0, 0]}),
                          ModelLoadError, "attribute pads = \\[0, -1, 0, 0\\]; expected every value >= 0"),
    "gather_axis_10": (Case("Gather", {"x": x(4, 4)}, {"i": np.array([0, 1], I64)}, {"axis": 10}),
                       ModelLoadError, r"attribute axis = 10; expected an axis in \[-2, 1\]"),
    "flatten_axis_10": (Case("Flatten", {"x": x(4, 4)}, attrs={"axis": 10}),
                        ModelLoadError, r"attribute axis = 10; expected an axis in \[-2, 2\]"),
    "split_sizes": (Case("Split", {"x": x(4, 4)}, {"s": np.array([3, 3], I64)}, {"axis": 0}, n_out=2),
                    ModelLoadError, r"split sizes = \[3, 3\]; expected them to sum to dimension 0 .* \(4\)"),
    "split_sizes_dynamic": (Case("Split", {"x": x(4, 4)}, {"s": np.array([3, 3], I64)}, {"axis": 0}, n_out=2,
                                 declared={"x": ["a", "b"]}),
                            ShapeInferenceError, r"split sizes = \[3, 3\]; expected them to sum"),
    "split_uneven": (Case("Split", {"x": x(5, 4)}, attrs={"axis": 0}, n_out=2, opset=13),
                     ModelLoadError, "dimension 0 of input 0 'x' = 5; expected a multiple of the 2 outputs"),
    "reshape_minus_2": (Case("Reshape", {"x": x(4, 4)}, {"s": np.array([-2], I64)}),
                        ModelLoadError, r"target shape = \[-2\]; expected values >= -1"),
    "reshape_two_minus_1": (Case("Reshape", {"x": x(4, 4)}, {"s": np.array([-1, -1], I64)}),
                            ModelLoadError, r"target shape = \[-1, -1\]"),
    "reshape_count": (Case("Reshape", {"x": x(4, 4)}, {"s": np.array([3, -1], I64)}, declared={"x": ["a", 4]}),
                      ShapeInferenceError, r"target shape = \[3, -1\]; expected 16 elements"),
    "conv_group_0": (Case("Conv", {"x": x(1, 1, 4, 4)}, {"w": x(1, 1, 3, 3)}, {"group": 0}),
                     ModelLoadError, "attribute group = 0; expected a positive group count"),
    "conv_group_not_dividing": (Case("Conv", {"x": x(1, 4, 4, 4)}, {"w": x(3, 2, 3, 3)}, {"group": 2}),
                                ModelLoadError, "output channels of the weight input 1 'w' = 3; expected a "
                                                "multiple of group=2"),
    "conv_channels": (Case("Conv", {"x": x(1, 3, 4, 4)}, {"w": x(1, 2, 3, 3)}, declared={"x": DYN4}),
                      ShapeInferenceError, r"channels of input 0 'x' = 3; expected 2 \(weight input 1 'w'"),
    "conv_channels_static": (Case("Conv", {"x": x(1, 3, 4, 4)}, {"w": x(1, 2, 3, 3)}),
                             ModelLoadError, "channels of input 0 'x' = 3; expected 2"),
    "conv_input_smaller_than_kernel": (Case("Conv", {"x": x(1, 1, 2, 5)}, {"w": x(1, 1, 3, 3)},
                                            declared={"x": DYN4}),
                                       ShapeInferenceError, "spatial dimension 2 of input 0 'x' plus its pads = 2; "
                                                            "expected at least the dilated kernel size 3"),
    "pool_no_window_fits": (Case("MaxPool", {"x": x(1, 1, 1, 1)}, attrs={"kernel_shape": [5, 1]},
                                 declared={"x": DYN4}),
                            ShapeInferenceError, r"window \[5, 1\] does not fit the input \[1, 1\]"),
    "pool_empty_spatial": (Case("GlobalMaxPool", {"x": x(1, 2, 0, 3)}, declared={"x": DYN4}),
                           ShapeInferenceError, r"shape of input 0 'x' = \(1, 2, 0, 3\); expected no empty dimension"),
    "reshape_empty_ambiguous": (Case("Reshape", {"x": x(0, 4)}, {"s": np.array([0, -1], I64)},
                                     declared={"x": ["a", "b"]}),
                                ShapeInferenceError, r"target shape = \[0, -1\]; expected 0 elements"),
    "pad_reflect_too_far": (Case("Pad", {"x": x(1, 3)}, {"p": np.array([0, 3, 0, 0], I64)}, {"mode": "reflect"},
                                 declared={"x": ["a", "b"]}),
                            ShapeInferenceError, r"reflect pads of axis 1 = \[3, 0\]; expected at most 2"),
    "layer_norm_scale": (Case("LayerNormalization", {"x": x(2, 3)}, {"s": x(4)}, declared={"x": ["a", "b"]}),
                         ShapeInferenceError, r"shape of input 1 's' = \(4,\); expected it to broadcast to \(3,\)"),
    "argmax_empty_axis": (Case("ArgMax", {"x": x(0, 3)}, declared={"x": ["a", "b"]}),
                          ShapeInferenceError, "dimension 0 of input 0 'x' = 0; expected a non-empty axis"),
    "gather_elements_indices_shape": (Case("GatherElements", {"x": x(2, 3)}, {"i": np.zeros((3, 1), I64)},
                                           {"axis": 1}, declared={"x": ["a", "b"]}),
                                      ShapeInferenceError, r"shape of input 1 'i' \(indices\) = \(3, 1\)"),
    "gather_index": (Case("Gather", {"x": x(4, 4)}, {"i": np.array([7], I64)}),
                     ModelLoadError, r"an index of input 1 'i' = 7; expected indices in \[-4, 3\]"),
    "gather_index_dynamic": (Case("Gather", {"x": x(4, 4)}, {"i": np.array([1, -5], I64)},
                                  declared={"x": ["a", "b"]}),
                             ShapeInferenceError, r"an index of input 1 'i' = -5; expected indices in \[-4, 3\]"),
    "gather_elements_index": (Case("GatherElements", {"x": x(2, 3)}, {"i": np.array([[0, 3]], I64)}, {"axis": 1}),
                              ModelLoadError, r"an index of input 1 'i' = 3; expected indices in \[-3, 2\]"),
    "scatter_nd_index": (Case("ScatterND", {"x": x(4, 2), "u": x(1, 2)}, {"i": np.array([[4]], I64)},
                              order=["x", "i", "u"]),
                         ModelLoadError, r"an index of input 1 'i' = 4; expected indices in \[-4, 3\]"),
    "cumsum_axis_5": (Case("CumSum", {"x": x(4, 4)}, {"a": np.array(5, I64)}),
                      ModelLoadError, r"input 1 'a' \(the axis\) = 5; expected an axis in \[-2, 1\]"),
    "range_delta_0": (Case("Range", {}, {"a": np.array(0, I64), "b": np.array(5, I64), "c": np.array(0, I64)}),
                      ModelLoadError, r"input 2 'c' \(delta\) = 0; expected a non-zero step"),
    "range_delta_0_fed": (Case("Range", {"c": np.array(0, I64)}, {"a": np.array(0, I64), "b": np.array(5, I64)},
                               order=["a", "b", "c"]),
                          ShapeInferenceError, r"delta.* = 0; expected a non-zero step"),
    "relu_strings": (Case("Relu", {"x": np.array(["a", "b"], object)}),
                     ModelLoadError, r"element type of input 0 'x' \(X\) = tensor\(string\); expected one of "),
    "add_mixed_types": (Case("Add", {"x": x(2)}, {"k": np.ones(2, I64)}),
                        ModelLoadError, r"element type of input 1 'k' = tensor\(int64\); expected tensor\(float\)"),
    "add_broadcast": (Case("Add", {"x": x(2, 3), "z": x(2, 4)}, declared={"x": ["a", "b"], "z": ["a", "c"]}),
                      ShapeInferenceError, r"input shapes = \(2, 3\) and \(2, 4\); expected shapes that broadcast"),
    "matmul_inner": (Case("MatMul", {"x": x(2, 3)}, {"w": x(4, 5)}, declared={"x": ["a", "b"]}),
                     ShapeInferenceError, "inner dimensions = 3 and 4"),
    "concat_dims": (Case("Concat", {"x": x(2, 3), "z": x(3, 4)}, attrs={"axis": 0},
                         declared={"x": ["a", "b"], "z": ["c", "d"]}),
                    ShapeInferenceError, r"shape of input 1 'z' = \(3, 4\); expected \(2, 3\) outside axis 0"),
    "transpose_perm": (Case("Transpose", {"x": x(2, 3)}, attrs={"perm": [0, 0]}),
                       ModelLoadError, r"attribute perm = \[0, 0\]; expected a permutation of 0..1"),
    "squeeze_not_1": (Case("Squeeze", {"x": x(2, 3)}, {"a": np.array([1], I64)}, declared={"x": ["a", "b"]}),
                      ShapeInferenceError, "dimension 1 of input 0 'x' \\(squeezed\\) = 3; expected 1"),
    "unsqueeze_twice": (Case("Unsqueeze", {"x": x(2, 3)}, {"a": np.array([0, -4], I64)}),
                        ModelLoadError, r"axes = \[0, -4\]; expected each axis once"),
    "reduce_axis": (Case("ReduceSum", {"x": x(2, 3)}, {"a": np.array([2], I64)}),
                    ModelLoadError, r"an entry of axes = 2; expected an axis in \[-2, 1\]"),
    "depth_to_space_block_0": (Case("DepthToSpace", {"x": x(1, 4, 2, 2)}, attrs={"blocksize": 0}),
                               ModelLoadError, "attribute blocksize = 0; expected a positive block size"),
    "depth_to_space_channels": (Case("DepthToSpace", {"x": x(1, 6, 2, 2)}, attrs={"blocksize": 2},
                                     declared={"x": DYN4}),
                                ShapeInferenceError, "dimension 1 of input 0 'x' = 6; expected a multiple of 4"),
    "batchnorm_params": (Case("BatchNormalization", {"x": x(1, 3, 2, 2)},
                              {"s": x(3), "b": x(3), "m": x(3), "v": x(4)}, declared={"x": DYN4}),
                         ShapeInferenceError, r"shape of input 4 'v' = \(4,\); expected \(3,\)"),
}


def _feeds(case: Case) -> dict[str, np.ndarray]:
    return dict(case.inputs)


@pytest.mark.parametrize("name", list(CASES))
def test_invalid_model_is_refused(name):
    case, error, message = CASES[name]
    model = case.model()
    with pytest.raises(Exception):       # the independent reference refuses it too
        ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, _feeds(case))
    with pytest.raises(error, match=message) as caught:
        gpu_infer.InferenceSession(model, backend="cpu").run(None, _feeds(case))
    assert f"{case.op} node 'bad'" in str(caught.value)


def test_declared_output_type_must_match():
    """MaxPool's Indices are int64; a model declaring them float is refused, as onnxruntime does."""
    node = helper.make_node("MaxPool", ["x"], ["y", "i"], name="bad", kernel_shape=[2])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4])],
                              [helper.make_tensor_value_info(o, TensorProto.FLOAT, [1, 1, 3]) for o in "yi"])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(Exception):
        ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    with pytest.raises(ModelLoadError, match=r"MaxPool node 'bad'.*declares for output 1 'i' = tensor\(float\); "
                                             r"expected tensor\(int64\)"):
        gpu_infer.InferenceSession(model, backend="cpu")


def test_error_class_follows_the_stage():
    """The same wrong Split is a ModelLoadError when the declared shapes show it at load, and a
    ShapeInferenceError raised by run() when only the fed shapes do."""
    static, *_ = CASES["split_sizes"]
    with pytest.raises(ModelLoadError):
        gpu_infer.InferenceSession(static.model(), backend="cpu")
    dynamic, *_ = CASES["split_sizes_dynamic"]
    sess = gpu_infer.InferenceSession(dynamic.model(), backend="cpu")
    (y0, y1) = sess.run(None, {"x": x(6, 4)})               # [3, 3] fits a dimension of 6
    assert y0.shape == y1.shape == (3, 4)
    with pytest.raises(ShapeInferenceError):
        sess.run(None, {"x": x(4, 4)})
