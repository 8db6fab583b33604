"""The turn detector's own layers: one fine-tuned transformer layer and a small classifier.

They sit on the frozen MiniLM layers (``encoder``) and read two positions: the user's last
word piece (where an unfinished turn shows) and the closing ``[SEP]``. Only those two positions
are needed from this last layer, so its queries and feed-forward run for two tokens, not all.
``tools/train_turn_detector.py`` trains the weights (initialised from the next MiniLM layer) and
the calibration temperature and writes ``turn_head.npz``. At load time they are appended to the
cut MiniLM graph as ONNX nodes, so one ONNX Runtime call, on one thread, gives the probability.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import onnx

HEAD_FILE = "turn_head.npz"
HEADS = 12
LAYER_NORM_EPS = 1e-12
#: Extra graph input (the two positions per example) and the graph's output.
PICKS_INPUT = "picks"
PROBABILITY_OUTPUT = "probability"

#: Weight names of the layer and of the classifier, as stored in ``turn_head.npz``.
LAYER_PARAMS = ("wq", "bq", "wk", "bk", "wv", "bv", "wo", "bo", "ln1_g", "ln1_b",
                "w1", "b1", "w2", "b2", "ln2_g", "ln2_b")
CLASSIFIER_PARAMS = ("wh", "bh", "wout", "bout")


@dataclass(frozen=True)
class TurnHead:
    """Weights of the fine-tuned layer and classifier, and the calibration ``temperature``."""

    params: dict[str, np.ndarray]
    temperature: float

    @classmethod
    def load(cls, path: str | Path | None = None) -> TurnHead:
        """Read a head file; ``None`` reads the one shipped in this package."""
        if path is None:
            with resources.as_file(resources.files(__package__).joinpath(HEAD_FILE)) as p:
                return cls._read(p)
        return cls._read(Path(path))

    @classmethod
    def _read(cls, path: Path) -> TurnHead:
        with np.load(path) as data:
            params = {k: data[k].astype(np.float32) for k in (*LAYER_PARAMS, *CLASSIFIER_PARAMS)}
            temperature = float(data["temperature"])
        return cls(params, temperature)

    def append_to(self, model: onnx.ModelProto, states: str) -> onnx.ModelProto:
        """``model`` (whose graph computes hidden ``states`` and takes ``attention_mask``) with
        this head added: a new input ``picks`` [batch, 2] and output ``probability`` [batch]."""
        from onnx import TensorProto, helper, numpy_helper

        p = self.params
        d = p["wq"].shape[0]
        graph = model.graph
        consts = {f"head.{k}": v for k, v in p.items()}
        consts |= {
            "head.shape_q": np.array([0, 2, HEADS, d // HEADS], np.int64),
            "head.shape_kv": np.array([0, -1, HEADS, d // HEADS], np.int64),
            "head.shape_out": np.array([0, 2, d], np.int64),
            "head.shape_flat": np.array([0, 2 * d], np.int64),
            "head.axes_mask": np.array([1, 2], np.int64),
            "head.axes_last": np.array([-1], np.int64),
            "head.scale": np.array(1.0 / np.sqrt(d // HEADS), np.float32),
            "head.neg": np.array(1e4, np.float32),
            "head.one": np.array(1.0, np.float32),
            "head.half": np.array(0.5, np.float32),
            "head.gelu_a": np.array(0.7978845608028654, np.float32),
            "head.gelu_b": np.array(0.044715, np.float32),
            "head.temperature": np.array(self.temperature, np.float32),
        }
        graph.initializer.extend(numpy_helper.from_array(v, k) for k, v in consts.items())
        nodes: list[onnx.NodeProto] = []

        def op(kind: str, *inputs: str, **attrs) -> str:
            out = f"head.t{len(nodes)}"
            nodes.append(helper.make_node(kind, list(inputs), [out], **attrs))
            return out

        def linear(x: str, w: str, b: str) -> str:
            return op("Add", op("MatMul", x, f"head.{w}"), f"head.{b}")

        def gelu(x: str) -> str:  # tanh form, as trained
            cube = op("Mul", op("Mul", x, x), x)
            inner = op("Mul", op("Add", x, op("Mul", cube, "head.gelu_b")), "head.gelu_a")
            return op("Mul", op("Mul", x, "head.half"), op("Add", op("Tanh", inner), "head.one"))

        def norm(x: str, g: str, b: str) -> str:
            return op("LayerNormalization", x, f"head.{g}", f"head.{b}", axis=-1,
                      epsilon=LAYER_NORM_EPS)

        mask = op("Cast", "attention_mask", to=TensorProto.FLOAT)
        bias = op("Unsqueeze", op("Mul", op("Sub", mask, "head.one"), "head.neg"), "head.axes_mask")
        x = op("GatherND", states, op("Unsqueeze", PICKS_INPUT, "head.axes_last"), batch_dims=1)
        q = op("Transpose", op("Reshape", linear(x, "wq", "bq"), "head.shape_q"), perm=[0, 2, 1, 3])
        k = op("Transpose", op("Reshape", linear(states, "wk", "bk"), "head.shape_kv"),
               perm=[0, 2, 3, 1])
        v = op("Transpose", op("Reshape", linear(states, "wv", "bv"), "head.shape_kv"),
               perm=[0, 2, 1, 3])
        scores = op("Add", op("Mul", op("MatMul", q, k), "head.scale"), bias)
        attended = op("MatMul", op("Softmax", scores, axis=-1), v)
        attended = op("Reshape", op("Transpose", attended, perm=[0, 2, 1, 3]), "head.shape_out")
        x = norm(op("Add", x, linear(attended, "wo", "bo")), "ln1_g", "ln1_b")
        x = norm(op("Add", x, linear(gelu(linear(x, "w1", "b1")), "w2", "b2")), "ln2_g", "ln2_b")
        hidden = gelu(linear(op("Reshape", x, "head.shape_flat"), "wh", "bh"))
        logit = op("Div", linear(hidden, "wout", "bout"), "head.temperature")
        nodes.append(helper.make_node("Sigmoid", [logit], [PROBABILITY_OUTPUT]))
        graph.node.extend(nodes)
        graph.input.append(helper.make_tensor_value_info(PICKS_INPUT, TensorProto.INT64, [None, 2]))
        del graph.output[:]
        graph.output.append(
            helper.make_tensor_value_info(PROBABILITY_OUTPUT, TensorProto.FLOAT, [None])
        )
        return model
