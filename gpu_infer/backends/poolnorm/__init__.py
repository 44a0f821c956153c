"""What the OpenCL and Vulkan pooling, reduction, softmax, normalization and resize families
share, independent of the API: how a node's tensors are seen by the kernels (reduced groups of
axes, softmax rows, normalised rows, pool windows, resampling tap tables), computed on the host
from shapes and attributes only."""
