"""Benchmark the TurnDetector before (round 1: two MiniLM layers and one fine-tuned layer) and
after (the shipped head): quality, calibration, speed, in one run.

    python benchmarks/turn_detector.py

Prints one JSON line per model and set: the held-out set (eval.jsonl: hand-written turns and
held-out generated/corpus/clause turns), the independent sets v4, v3 and v2 (written apart from the
training data, never used to build or tune a model; see docs/turn_detector.md for how each was
kept independent) and the first independent set (independent_eval_v1.txt: its errors guided the
data, so read it as a dev set). Each line has accuracy, precision, recall and f1 at the EOU
default threshold 0.7 and at 0.5, the Brier score, the expected calibration error and a
reliability table (ten probability bins: mean prediction, observed share finished, count). Then
one line per model with the p50/p95 milliseconds of one ``get_eou_probability`` call on a
ChatContext holding a few earlier turns (as the engine calls it), wall clock and CPU time of the
calling thread, over the independent sets, with the load average beside it.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from vocalis.llm.chat_context import ChatContext
from vocalis.llm.items import ChatRole
from vocalis.plugins.turn_detector import TurnDetector
from vocalis.plugins.turn_detector.dataset import LabelledTurn, read_labelled

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "turn_detection"
#: The round-1 head (frozen in commit 4c24594), in the current head-file format.
ROUND1_HEAD = Path(__file__).resolve().parent / "baselines" / "turn_head_round1.npz"
EARLIER_TURNS = [
    (ChatRole.SYSTEM, "You are a helpful phone assistant."),
    (ChatRole.ASSISTANT, "Hello, thanks for calling. How can I help?"),
    (ChatRole.USER, "Hi, I have a question about my account."),
]


def chat(row: LabelledTurn) -> ChatContext:
    """The row as the engine sees it: earlier turns, the assistant's message, the user's turn."""
    ctx = ChatContext()
    for role, text in EARLIER_TURNS:
        ctx.add_message(role, text)
    ctx.add_message(ChatRole.ASSISTANT, row["context"] or "Sure.")
    ctx.add_message(ChatRole.USER, row["text"])
    return ctx


def quality(probs: np.ndarray, labels: np.ndarray) -> dict:
    out: dict = {"n": len(labels)}
    for threshold in (0.7, 0.5):
        pred = probs >= threshold
        tp = int((pred & (labels == 1)).sum())
        precision = tp / max(1, int(pred.sum()))
        recall = tp / max(1, int((labels == 1).sum()))
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[f"at_{threshold}"] = {
            "accuracy": round(float((pred == (labels == 1)).mean()), 4),
            "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
        }
    out["brier"] = round(float(((probs - labels) ** 2).mean()), 4)
    bins = np.minimum((probs * 10).astype(int), 9)
    table, ece = [], 0.0
    for b in range(10):
        inside = bins == b
        if inside.any():
            mean_p, share = float(probs[inside].mean()), float(labels[inside].mean())
            ece += inside.mean() * abs(mean_p - share)
            table.append([round(mean_p, 3), round(share, 3), int(inside.sum())])
    out["ece"] = round(float(ece), 4)
    out["reliability"] = table
    return out


def latency_ms(call: Callable[[ChatContext], float], contexts: list[ChatContext]) -> dict:
    """Wall-clock and CPU (this thread's) milliseconds per call; CPU time shows the cost of a
    call even when other processes crowd the cores."""
    call(contexts[0])  # load outside the timing
    wall, cpu = [], []
    for ctx in contexts:
        start, start_cpu = time.perf_counter(), time.thread_time()
        call(ctx)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
    q, c = statistics.quantiles(wall, n=100), statistics.quantiles(cpu, n=100)
    return {"ms_p50": round(q[49], 3), "ms_p95": round(q[94], 3), "cpu_ms_p50": round(c[49], 3),
            "cpu_ms_p95": round(c[94], 3), "calls": len(wall),
            "load_avg_1m": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}


def main() -> None:
    sets = {"held_out": read_labelled(DATA / "eval.jsonl"),
            "independent_v4": read_labelled(DATA / "independent_eval_v4.txt"),
            "independent_v3": read_labelled(DATA / "independent_eval_v3.txt"),
            "independent_v2": read_labelled(DATA / "independent_eval_v2.txt"),
            "independent_v1_dev": read_labelled(DATA / "independent_eval_v1.txt")}
    models: dict[str, Callable[[ChatContext], float]] = {
        "before_round1": TurnDetector(model_path=ROUND1_HEAD).get_eou_probability,
        "after": TurnDetector().get_eou_probability,
    }
    for name, call in models.items():
        for set_name, rows in sets.items():
            probs = np.array([call(chat(r)) for r in rows])
            labels = np.array([r["label"] for r in rows])
            print(json.dumps({"benchmark": "turn_detector", "model": name, "set": set_name,
                              **quality(probs, labels)}))
    contexts = [chat(r) for r in sets["independent_v3"] + sets["independent_v2"]]
    for name, call in models.items():
        print(json.dumps({"benchmark": "turn_detector", "model": name, "latency": "per_call",
                          **latency_ms(call, contexts)}))


if __name__ == "__main__":
    main()
