"""The turn detector's own layers: fine-tuned transformer layers and a small classifier.

They sit on MiniLM's lower layers, run as shipped (``frozen_layers`` of them, ``encoder``).
The fine-tuned layers start as copies of the next MiniLM layers: all but the last run over
every word piece; the last runs its queries and feed-forward only at the two positions the
classifier reads (the user's last word piece, where an unfinished turn shows, and the closing
``[SEP]``). ``tools/train_turn_detector.py`` trains the weights and the calibration temperature
and writes ``turn_head.npz``. At load time they are appended to the cut MiniLM graph as ONNX
nodes, so one ONNX Runtime call, on one thread, gives the probability.
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

#: Weight names of one transformer layer and of the classifier. In ``turn_head.npz`` a layer's
#: weights are stored as ``layer{i}.{name}``, the classifier's under their own names.
LAYER_PARAMS = ("wq", "bq", "wk", "bk", "wv", "bv", "wo", "bo", "ln1_g", "ln1_b",
                "w1", "b1", "w2", "b2", "ln2_g", "ln2_b")
CLASSIFIER_PARAMS = ("wh", "bh", "wout", "bout")


@dataclass(frozen=True)
class TurnHead:
    """The fine-tuned ``layers`` (the last one reads the picked positions only), the
    ``classifier``, the calibration ``temperature`` and how many MiniLM layers run below them."""

    layers: list[dict[str, np.ndarray]]
    classifier: dict[str, np.ndarray]
    temperature: float
    frozen_layers: int

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
            count = len({k.split(".")[0] for k in data.files if k.startswith("layer")})
            layers = [{k: data[f"layer{i}.{k}"].astype(np.float32) for k in LAYER_PARAMS}
                      for i in range(count)]
            classifier = {k: data[k].astype(np.float32) for k in CLASSIFIER_PARAMS}
            return cls(layers, classifier, float(data["temperature"]), int(data["frozen_layers"]))

    def save(self, path: str | Path) -> None:
        """Write the head as ``load`` reads it, weights in float16."""
        arrays = {f"layer{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.items()}
        arrays |= self.classifier
        np.savez_compressed(path, temperature=np.float32(self.temperature),
                            frozen_layers=np.int64(self.frozen_layers),
                            **{k: v.astype(np.float16) for k, v in arrays.items()})

    def append_to(self, model: onnx.ModelProto, states: str) -> onnx.ModelProto:
        """``model`` (whose graph computes hidden ``states`` and takes ``attention_mask``) with
        this head added: a new input ``picks`` [batch, 2] and output ``probability`` [batch]."""
        from onnx import TensorProto, helper, numpy_helper

        d = self.classifier["wh"].shape[0] // 2
        graph = model.graph
        consts = {f"head.l{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.items()}
        consts |= {f"head.{k}": v for k, v in self.classifier.items()}
        consts |= {
            "head.shape_heads": np.array([0, -1, HEADS, d // HEADS], np.int64),
            "head.shape_out": np.array([0, -1, d], np.int64),
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
            return op("Add", op("MatMul", x, w), b)

        def gelu(x: str) -> str:  # tanh form, as trained
            cube = op("Mul", op("Mul", x, x), x)
            inner = op("Mul", op("Add", x, op("Mul", cube, "head.gelu_b")), "head.gelu_a")
            return op("Mul", op("Mul", x, "head.half"), op("Add", op("Tanh", inner), "head.one"))

        def split(x: str, perm: list[int]) -> str:
            return op("Transpose", op("Reshape", x, "head.shape_heads"), perm=perm)

        mask = op("Cast", "attention_mask", to=TensorProto.FLOAT)
        bias = op("Unsqueeze", op("Mul", op("Sub", mask, "head.one"), "head.neg"), "head.axes_mask")

        def layer(i: int, x: str, keys: str) -> str:
            """Layer ``i`` for queries ``x`` attending over all of ``keys``."""
            def w(name: str) -> str:
                return f"head.l{i}.{name}"

            q = split(linear(x, w("wq"), w("bq")), [0, 2, 1, 3])
            k = split(linear(keys, w("wk"), w("bk")), [0, 2, 3, 1])
            v = split(linear(keys, w("wv"), w("bv")), [0, 2, 1, 3])
            scores = op("Add", op("Mul", op("MatMul", q, k), "head.scale"), bias)
            attended = op("MatMul", op("Softmax", scores, axis=-1), v)
            attended = op("Reshape", op("Transpose", attended, perm=[0, 2, 1, 3]), "head.shape_out")
            x = norm(op("Add", x, linear(attended, w("wo"), w("bo"))), w("ln1_g"), w("ln1_b"))
            ffn = linear(gelu(linear(x, w("w1"), w("b1"))), w("w2"), w("b2"))
            return norm(op("Add", x, ffn), w("ln2_g"), w("ln2_b"))

        def norm(x: str, g: str, b: str) -> str:
            return op("LayerNormalization", x, g, b, axis=-1, epsilon=LAYER_NORM_EPS)

        for i in range(len(self.layers) - 1):
            states = layer(i, states, states)
        x = op("GatherND", states, op("Unsqueeze", PICKS_INPUT, "head.axes_last"), batch_dims=1)
        x = layer(len(self.layers) - 1, x, states)
        hidden = gelu(linear(op("Reshape", x, "head.shape_flat"), "head.wh", "head.bh"))
        logit = op("Div", linear(hidden, "head.wout", "head.bout"), "head.temperature")
        nodes.append(helper.make_node("Sigmoid", [logit], [PROBABILITY_OUTPUT]))
        graph.node.extend(nodes)
        graph.input.append(helper.make_tensor_value_info(PICKS_INPUT, TensorProto.INT64, [None, 2]))
        del graph.output[:]
        graph.output.append(
            helper.make_tensor_value_info(PROBABILITY_OUTPUT, TensorProto.FLOAT, [None])
        )
        return model
