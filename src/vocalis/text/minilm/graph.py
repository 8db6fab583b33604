"""MiniLM's ONNX graph from its package: whole, cut after a layer, or with mean pooling added.

The export takes ``input_ids``, ``attention_mask`` and ``token_type_ids`` (int64, [batch,
tokens]) and gives ``last_hidden_state``. It names the LayerNorm outputs in order (the
embeddings', then two per transformer layer), which is how a layer's output is found to cut at.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .weights import MiniLMUnavailable, weights_path

if TYPE_CHECKING:
    import onnx

LAYERS = 6
HIDDEN_SIZE = 384
#: Output of ``with_mean_pooling``: unit-length sentence vectors, float32 [batch, 384].
SENTENCE_EMBEDDING = "sentence_embedding"


def hidden_states_name(layers: int = LAYERS) -> str:
    """Name of the hidden states after transformer layer ``layers`` in the package's graph."""
    return "last_hidden_state" if layers >= LAYERS else f"layer_norm_{2 * layers}"


def minilm_graph(layers: int = LAYERS) -> onnx.ModelProto:
    """The package's graph, cut after transformer layer ``layers`` (all six by default)."""
    try:
        import onnx
        from onnx.utils import Extractor
    except ImportError as exc:
        raise MiniLMUnavailable(f"{exc}; pip install onnx onnxruntime") from None
    model = onnx.load(str(weights_path()))
    if layers >= LAYERS:
        return model
    inputs = [i.name for i in model.graph.input]
    return Extractor(model).extract_model(inputs, [hidden_states_name(layers)])


def with_mean_pooling(model: onnx.ModelProto) -> onnx.ModelProto:
    """``model`` (whole) with sentence-transformers' pooling appended: the mean of the real
    tokens' last hidden states, scaled to unit length, as output ``sentence_embedding``."""
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    consts = {"pool.axis1": np.array([1], np.int64), "pool.axis2": np.array([2], np.int64),
              "pool.tiny": np.array(1e-9, np.float32)}
    graph.initializer.extend(numpy_helper.from_array(v, k) for k, v in consts.items())
    steps = [
        ("Cast", ["attention_mask"], "pool.mask", {"to": TensorProto.FLOAT}),
        ("Unsqueeze", ["pool.mask", "pool.axis2"], "pool.mask3", {}),
        ("Mul", ["last_hidden_state", "pool.mask3"], "pool.masked", {}),
        ("ReduceSum", ["pool.masked", "pool.axis1"], "pool.sum", {"keepdims": 0}),
        ("ReduceSum", ["pool.mask", "pool.axis1"], "pool.count", {"keepdims": 1}),
        ("Max", ["pool.count", "pool.tiny"], "pool.count1", {}),
        ("Div", ["pool.sum", "pool.count1"], "pool.mean", {}),
        ("ReduceL2", ["pool.mean"], "pool.norm", {"axes": [1], "keepdims": 1}),
        ("Max", ["pool.norm", "pool.tiny"], "pool.norm1", {}),
        ("Div", ["pool.mean", "pool.norm1"], SENTENCE_EMBEDDING, {}),
    ]
    graph.node.extend(helper.make_node(op, inputs, [out], **attrs) for op, inputs, out, attrs in steps)
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info(SENTENCE_EMBEDDING, TensorProto.FLOAT,
                                                      [None, HIDDEN_SIZE]))
    return model
