"""Train the turn detector's own layers and classifier on MiniLM's frozen layers (offline, dev).

    python tools/turn_detection_data.py      # templates, values, corpus, clauses -> train/eval.jsonl
    python tools/train_turn_detector.py      # -> src/vocalis/plugins/turn_detector/turn_head.npz

The lowest MiniLM layers (``--frozen``) encode every example once (cached with ``--cache``). On
top, copies of the next ``--tuned`` MiniLM layers (initialised from the package's weights; the
last one runs at two positions only) and a small classifier over the user's last word piece and
the closing [SEP] are trained with JAX (a training-only dependency: ``pip install jax``, no
PyTorch). A tenth of the training turns, chosen by text, is kept apart
to pick the epoch and to fit the calibration temperature. The evaluation set is only reported;
the independent sets are never read here.
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from turn_detection_data import DATA, normalized  # noqa: E402

from vocalis.plugins.turn_detector.detector import TurnModel  # noqa: E402
from vocalis.plugins.turn_detector.encoder import PairTokenizer  # noqa: E402
from vocalis.plugins.turn_detector.head import (  # noqa: E402
    HEAD_FILE,
    HEADS,
    LAYER_NORM_EPS,
    TurnHead,
)
from vocalis.text.minilm import minilm_graph, weights_path  # noqa: E402

OUT = ROOT / "src" / "vocalis" / "plugins" / "turn_detector" / HEAD_FILE
#: MiniLM layers run as shipped, below the fine-tuned ones (their output is cached).
FROZEN_LAYERS = 2
HIDDEN = 64
BATCH = 32
SEED = 7


def minilm_layer(layer: int) -> dict[str, np.ndarray]:
    """The package's weights of MiniLM transformer layer ``layer`` (0-based), dequantized."""
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper

    model = onnx.load(str(weights_path()))
    inits = {i.name: i for i in model.graph.initializer}
    constant = set(inits)
    for node in model.graph.node:
        if node.input and all(i in constant for i in node.input if i):
            constant.update(node.output)
    produced = {o: i for i, n in enumerate(model.graph.node) for o in n.output}
    first, last = produced[f"layer_norm_{2 * layer}"], produced[f"layer_norm_{2 * layer + 2}"]
    matmuls = [n.input[1] for n in model.graph.node[first:last + 1]
               if n.op_type == "MatMul" and n.input[1] in constant]
    for name in matmuls:
        model.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    one = np.ones((1, 2), dtype=np.int64)
    values = session.run(matmuls, {"input_ids": one, "attention_mask": one, "token_type_ids": 0 * one})
    wq, wk, wv, wo, w1, w2 = values
    prefix = f"inner.encoder.layer.{layer}."

    def init(name: str) -> np.ndarray:
        return numpy_helper.to_array(inits[prefix + name]).astype(np.float32)

    return {
        "wq": wq, "bq": init("attention.self.query.bias"), "wk": wk,
        "bk": init("attention.self.key.bias"), "wv": wv, "bv": init("attention.self.value.bias"),
        "wo": wo, "bo": init("attention.output.dense.bias"),
        "ln1_g": init("attention.output.LayerNorm.weight"), "ln1_b": init("attention.output.LayerNorm.bias"),
        "w1": w1, "b1": init("intermediate.dense.bias"), "w2": w2, "b2": init("output.dense.bias"),
        "ln2_g": init("output.LayerNorm.weight"), "ln2_b": init("output.LayerNorm.bias"),
    }


def encode(rows: list[dict], frozen: int) -> list[tuple[np.ndarray, int, int]]:
    """(states after ``frozen`` MiniLM layers, last user piece, closing [SEP]) for every row."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(minilm_graph(frozen).SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    tokenizer, out = PairTokenizer(), []
    for k in range(0, len(rows), 64):
        batch = tokenizer.batch([(r["context"], r["text"]) for r in rows[k:k + 64]])
        (states,) = session.run(None, batch.feeds())
        for b in range(len(states)):
            n = int(batch.attention_mask[b].sum())
            out.append((states[b, :n], *map(int, batch.picks[b])))
    return out


def encode_cached(rows: list[dict], frozen: int, cache: Path | None):
    """``encode`` with the result kept in ``cache`` (an .npz) when a path is given."""
    digest = zlib.crc32(json.dumps([(r["context"], r["text"]) for r in rows]).encode())
    if cache is not None and cache.exists():
        with np.load(cache) as data:
            if int(data["digest"]) == digest:
                states, offsets, spans = data["states"], data["offsets"], data["spans"]
                return [(states[offsets[i]:offsets[i + 1]].astype(np.float32), *map(int, spans[i]))
                        for i in range(len(rows))]
    encoded = encode(rows, frozen)
    if cache is not None:
        offsets = np.cumsum([0] + [len(e[0]) for e in encoded])
        np.savez(cache, states=np.concatenate([e[0] for e in encoded]).astype(np.float16),
                 offsets=offsets, spans=np.array([e[1:] for e in encoded]), digest=digest)
    return encoded


def make_batch(encoded, idx):
    """Padded (states, mask, picks) of the examples ``idx``; width rounded up to limit recompiles."""
    width = -(-max(len(encoded[i][0]) for i in idx) // 8) * 8
    states = np.zeros((len(idx), width, encoded[idx[0]][0].shape[1]), np.float32)
    mask = np.zeros((len(idx), width), np.float32)
    picks = np.zeros((len(idx), 2), np.int64)
    for j, i in enumerate(idx):
        s, last, sep = encoded[i]
        states[j, : len(s)] = s
        mask[j, : len(s)] = 1
        picks[j] = (last, sep)
    return states, mask, picks


def length_batches(encoded, idx, rng=None) -> list[list[int]]:
    """``idx`` in batches of similar length (shuffled when ``rng`` is given)."""
    idx = list(rng.permutation(idx)) if rng is not None else list(idx)
    groups = [sorted(c, key=lambda i: len(encoded[i][0]))
              for c in np.array_split(idx, max(1, len(idx) // (BATCH * 16)))]
    out = [list(g[k:k + BATCH]) for g in groups for k in range(0, len(g), BATCH)]
    if rng is not None:
        rng.shuffle(out)
    return out


def jax_layer(p, x, keys, mask):
    """One BERT layer (post-LayerNorm, tanh GELU) for queries ``x`` over ``keys``, in JAX."""
    import jax
    import jax.numpy as jnp

    def norm(x, g, b):
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / jnp.sqrt(var + LAYER_NORM_EPS) * g + b

    def gelu(x):
        return 0.5 * x * (1.0 + jnp.tanh(0.7978845608028654 * (x + 0.044715 * x**3)))

    b, n, d = x.shape
    t = keys.shape[1]
    dh = d // HEADS
    q = (x @ p["wq"] + p["bq"]).reshape(b, n, HEADS, dh).transpose(0, 2, 1, 3)
    k = (keys @ p["wk"] + p["bk"]).reshape(b, t, HEADS, dh).transpose(0, 2, 3, 1)
    v = (keys @ p["wv"] + p["bv"]).reshape(b, t, HEADS, dh).transpose(0, 2, 1, 3)
    scores = q @ k / np.sqrt(dh) + jnp.where(mask[:, None, None, :] > 0, 0.0, -1e4)
    attended = (jax.nn.softmax(scores, axis=-1) @ v).transpose(0, 2, 1, 3).reshape(b, n, d)
    x = norm(x + attended @ p["wo"] + p["bo"], p["ln1_g"], p["ln1_b"])
    return norm(x + gelu(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"], p["ln2_g"], p["ln2_b"])


def jax_logits(params, states, mask, picks):
    """The head graph of ``TurnHead.append_to``, in JAX, for training."""
    import jax.numpy as jnp

    layers, c = params["layers"], params["classifier"]
    for layer in layers[:-1]:
        states = jax_layer(layer, states, states, mask)
    x = jax_layer(layers[-1], jnp.take_along_axis(states, picks[:, :, None], axis=1), states, mask)
    h = x.reshape(x.shape[0], -1) @ c["wh"] + c["bh"]
    h = 0.5 * h * (1.0 + jnp.tanh(0.7978845608028654 * (h + 0.044715 * h**3)))
    return h @ c["wout"] + c["bout"]


def train(encoded, labels, fit, held, epochs: int, lr: float, frozen: int,
          tuned: int) -> tuple[dict, list[dict]]:
    """Adam on class-balanced log loss, the learning rate decaying linearly to a tenth; returns
    the parameters of the epoch with the lowest held-out log loss once calibrated
    (over-confidence is the temperature's job)."""
    import jax
    import jax.numpy as jnp

    rng = np.random.default_rng(SEED)
    layers = [minilm_layer(frozen + i) for i in range(tuned)]
    d = layers[0]["wq"].shape[0]
    classifier = {
        "wh": rng.normal(0, 0.02, (2 * d, HIDDEN)).astype(np.float32),
        "bh": np.zeros(HIDDEN, np.float32),
        "wout": rng.normal(0, 0.02, HIDDEN).astype(np.float32),
        "bout": np.zeros((), np.float32),
    }
    params = jax.tree_util.tree_map(jnp.asarray, {"layers": layers, "classifier": classifier})
    rates = {"layers": [dict.fromkeys(layer, 1.0) for layer in layers],
             "classifier": dict.fromkeys(classifier, 20.0)}
    pos = labels[fit].mean()
    class_weight = {1: 0.5 / pos, 0: 0.5 / (1 - pos)}

    def loss_fn(p, states, mask, picks, y, w):
        z = jax_logits(p, states, mask, picks)
        return (w * (jax.nn.softplus(z) - y * z)).mean() + 1e-4 * sum(
            (v ** 2).sum() for v in p["classifier"].values())

    @jax.jit
    def step_fn(p, m, s, step, scale, states, mask, picks, y, w):
        loss, grads = jax.value_and_grad(loss_fn)(p, states, mask, picks, y, w)
        m = jax.tree_util.tree_map(lambda a, g: 0.9 * a + 0.1 * g, m, grads)
        s = jax.tree_util.tree_map(lambda a, g: 0.999 * a + 0.001 * g * g, s, grads)
        p = jax.tree_util.tree_map(
            lambda v, a, b, r: v - scale * r * (a / (1 - 0.9**step))
            / (jnp.sqrt(b / (1 - 0.999**step)) + 1e-8), p, m, s, rates)
        return p, m, s, loss

    logits_fn = jax.jit(jax_logits)
    m = jax.tree_util.tree_map(jnp.zeros_like, params)
    s = jax.tree_util.tree_map(jnp.zeros_like, params)
    best, history, step = (np.inf, params), [], 0
    total_steps = epochs * len(length_batches(encoded, fit))
    for epoch in range(epochs):
        total, steps = 0.0, 0
        for idx in length_batches(encoded, fit, rng):
            states, mask, picks = make_batch(encoded, idx)
            y = labels[idx].astype(np.float32)
            w = np.where(y == 1, class_weight[1], class_weight[0]).astype(np.float32)
            step += 1
            scale = lr * (1.0 - 0.9 * step / total_steps)
            params, m, s, loss = step_fn(params, m, s, step, scale, states, mask, picks, y, w)
            steps, total = steps + 1, total + float(loss)
        z = predict(logits_fn, params, encoded, held)
        y = labels[held]
        t = fit_temperature(z, y)
        nll = float(np.mean(np.logaddexp(0, z / t) - y * z / t))
        acc = float(((z >= 0) == (y == 1)).mean())
        history.append({"epoch": epoch + 1, "train_loss": round(total / steps, 4),
                        "held_nll": round(nll, 4), "held_accuracy": round(acc, 4)})
        print(json.dumps(history[-1]), flush=True)
        if nll < best[0]:
            best = (nll, jax.tree_util.tree_map(np.asarray, params))
    return best[1], history


def predict(logits_fn, params, encoded, idx) -> np.ndarray:
    """Logits of the examples ``idx``, in that order."""
    out = {}
    for chunk in length_batches(encoded, idx):
        out.update(zip(chunk, np.asarray(logits_fn(params, *make_batch(encoded, chunk))), strict=True))
    return np.array([out[i] for i in idx])


def fit_temperature(z: np.ndarray, y: np.ndarray) -> float:
    """The temperature that minimises the log loss of ``sigmoid(z / T)`` on held-out turns."""
    grid = np.exp(np.linspace(np.log(0.3), np.log(5.0), 200))
    losses = [np.mean(np.logaddexp(0, z / t) - y * z / t) for t in grid]
    return float(grid[int(np.argmin(losses))])


def scores(p: np.ndarray, y: np.ndarray, threshold: float) -> dict:
    pred = p >= threshold
    tp, fp, fn = int((pred & (y == 1)).sum()), int((pred & (y == 0)).sum()), int((~pred & (y == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {"threshold": threshold, "accuracy": round(float((pred == (y == 1)).mean()), 4),
            "precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(2 * precision * recall / (precision + recall) if precision + recall else 0.0, 4),
            "brier": round(float(((p - y) ** 2).mean()), 4), "n": len(y)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--frozen", type=int, default=FROZEN_LAYERS,
                        help="MiniLM layers run as shipped (their output is cached)")
    parser.add_argument("--tuned", type=int, default=3,
                        help="MiniLM layers above them fine-tuned (the last one at two positions)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--cache", type=Path, default=None,
                        help="folder to keep the frozen-layer states in between runs")
    args = parser.parse_args()
    if args.cache:
        args.cache.mkdir(parents=True, exist_ok=True)
    train_rows = [json.loads(line) for line in (DATA / "train.jsonl").open(encoding="utf-8")]
    eval_rows = [json.loads(line) for line in (DATA / "eval.jsonl").open(encoding="utf-8")]
    encoded = encode_cached(train_rows, args.frozen, args.cache and args.cache / f"train{args.frozen}.npz")
    labels = np.array([r["label"] for r in train_rows])
    held_mask = np.array([zlib.crc32(normalized(r["text"]).encode()) % 10 == 0 for r in train_rows])
    fit, held = np.flatnonzero(~held_mask), np.flatnonzero(held_mask)
    params, history = train(encoded, labels, fit, held, args.epochs, args.lr, args.frozen, args.tuned)

    import jax

    logits_fn = jax.jit(jax_logits)
    temperature = fit_temperature(predict(logits_fn, params, encoded, held), labels[held])
    TurnHead(params["layers"], params["classifier"], temperature, args.frozen).save(args.out)

    model = TurnModel.load(args.out)  # the shipped runtime, not the training code, is evaluated
    pairs = [(r["context"], r["text"]) for r in eval_rows]
    probs = np.concatenate([model.probabilities(pairs[k:k + 64]) for k in range(0, len(pairs), 64)])
    y = np.array([r["label"] for r in eval_rows])
    report = {"temperature": round(temperature, 3), "history": history}
    for subset in ("all", "handwritten", "template", "values", "corpus", "clauses"):
        keep = np.array([subset == "all" or r["source"].startswith(subset) for r in eval_rows])
        report[subset] = [scores(probs[keep], y[keep], t) for t in (0.5, 0.7)]
    print(json.dumps(report))


if __name__ == "__main__":
    main()
