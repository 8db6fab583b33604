"""Benchmark the local TurnDetector on the held-out set: quality and per-call latency.

Prints one JSON line per subset (all held-out rows, the hand-written ones) and threshold
(0.5 and the EOU default 0.7) with accuracy, precision,
recall, f1, n and the p50/p95 milliseconds of one ``get_eou_probability`` call on a
ChatContext, measured over every held-out example.
"""

from __future__ import annotations

import json
import statistics
import time
from itertools import product
from pathlib import Path

from vocalis.llm.chat_context import ChatContext
from vocalis.llm.items import ChatRole
from vocalis.plugins.turn_detector import TurnDetector

EVAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "turn_detection" / "eval.jsonl"


def _context(row: dict) -> ChatContext:
    ctx = ChatContext()
    if row["context"]:
        ctx.add_message(ChatRole.ASSISTANT, row["context"])
    ctx.add_message(ChatRole.USER, row["text"])
    return ctx


def main() -> None:
    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines()]
    detector = TurnDetector()
    contexts = [_context(r) for r in rows]
    detector.get_eou_probability(contexts[0])  # load the weights outside the timing
    probs, times = [], []
    for _ in range(5):
        probs = []
        for ctx in contexts:
            start = time.perf_counter()
            probs.append(detector.get_eou_probability(ctx))
            times.append((time.perf_counter() - start) * 1000)
    quantiles = statistics.quantiles(times, n=100)
    for subset, threshold in product(("all", "handwritten"), (0.5, 0.7)):
        keep = [subset == "all" or r["source"] == subset for r in rows]
        labels = [bool(r["label"]) for r, k in zip(rows, keep, strict=True) if k]
        pred = [p >= threshold for p, k in zip(probs, keep, strict=True) if k]
        tp = sum(p and y for p, y in zip(pred, labels, strict=True))
        fp = sum(p and not y for p, y in zip(pred, labels, strict=True))
        fn = sum(y and not p for p, y in zip(pred, labels, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        accuracy = sum(p == y for p, y in zip(pred, labels, strict=True)) / len(labels)
        print(json.dumps({
            "benchmark": "turn_detector", "subset": subset, "threshold": threshold,
            "accuracy": round(accuracy, 4), "precision": round(precision, 4),
            "recall": round(recall, 4), "f1": round(f1, 4), "n": len(labels),
            "ms_p50": round(quantiles[49], 4), "ms_p95": round(quantiles[94], 4),
        }))


if __name__ == "__main__":
    main()
