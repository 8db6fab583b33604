"""The benchmark's JSON: figures per path and noise condition, each beside its target."""

from __future__ import annotations

from typing import Any

from .scoring import (
    CallScore,
    UtteranceResult,
    record_from_timeline,
    score_call,
    turn_figures,
    wer_figures,
)

WER_GAP_MAX = 0.03
FIRST_REPLY_P50_MS = {"ws": 500.0, "twilio": 600.0}
BARGE_IN_STOP_P50_MS = 600.0
PREMATURE_CUTOFFS_PER_10 = 1.0
EXAMPLES = 6


def _targets(path: str, conditions: dict[str, Any], turns: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, figures in conditions.items():
        gap = figures["wer_gap"]
        out[f"wer_{name}_within_{WER_GAP_MAX}_of_offline"] = None if gap is None else (
            gap <= WER_GAP_MAX)
    out["false_barge_ins_0"] = turns["false_barge_ins"]["count"] == 0 if turns[
        "false_barge_ins"]["of"] else None
    cut = turns["premature_cutoffs"]
    out["premature_cutoffs_at_most_1_in_10"] = (
        cut["count"] * 10 <= PREMATURE_CUTOFFS_PER_10 * cut["of"] if cut["of"] else None)
    out["missed_turns_0"] = turns["missed_turns"]["count"] == 0
    p50 = turns["first_reply_ms"]["p50"]
    if path in FIRST_REPLY_P50_MS:
        limit = FIRST_REPLY_P50_MS[path]
        out[f"first_reply_p50_below_{limit:g}_ms"] = None if p50 is None else p50 < limit
    stop = turns["barge_in_stop_ms"]
    if stop["of"]:
        out[f"barge_in_stop_p50_within_{BARGE_IN_STOP_P50_MS:g}_ms"] = (
            stop["p50"] is not None and stop["p50"] <= BARGE_IN_STOP_P50_MS
            and stop["not_stopped"] * 2 < stop["of"])
        out["interrupted_answer_stays_stopped"] = stop["resumed"] == 0
    return out


def _examples(results: list[UtteranceResult]) -> list[dict[str, str]]:
    """The utterances where what reached the LLM differs most from the offline decode."""
    from .scoring import WordErrors

    scored = []
    for r in results:
        if r.offline is None:
            continue
        errors = WordErrors()
        errors.add(r.offline, r.heard)
        if errors.errors:
            scored.append((errors.errors, r))
    scored.sort(key=lambda x: -x[0])
    return [{"reference": r.text, "offline": r.offline or "", "reached_llm": r.heard,
             "voice": r.voice} for _, r in scored[:EXAMPLES]]


def path_report(path: str, scores: list[CallScore]) -> dict[str, Any]:
    """Every figure for one path: WER per condition, turn-taking over all its calls."""
    results = [r for s in scores for r in s.utterances]
    conditions = {
        s.condition: {**wer_figures(s.utterances), **{
            k: v for k, v in turn_figures(s.utterances).items()
            if k in ("first_reply_ms", "missed_turns")}}
        for s in scores
    }
    turns = turn_figures(results)
    return {
        "conditions": conditions,
        **turns,
        "targets": _targets(path, conditions, turns),
        "worst_transcripts": _examples(results),
        "notes": [n for s in scores for n in s.notes],
        "utterances": {s.condition: [r.to_json() for r in s.utterances] for s in scores},
        "timelines": {s.condition: s.timeline for s in scores},
    }


def rescore(result: dict[str, Any]) -> dict[str, Any]:
    """``result`` (a saved run) with every figure recomputed from its calls' timelines and
    offline decodes: for a change of scoring rules without calling again."""
    paths = {}
    for path, report in result["paths"].items():
        scores = []
        for condition, saved in report["utterances"].items():
            record = record_from_timeline(path, condition, report["timelines"][condition])
            offline = {i: u["offline"] for i, u in enumerate(saved) if u.get("offline") is not None}
            for utterance, old in zip(record.utterances, saved, strict=True):
                utterance.voice = utterance.voice or old.get("voice", "")
            scores.append(score_call(record, offline))
        rescored = path_report(path, scores)
        rescored["notes"] = report.get("notes", [])
        paths[path] = rescored
    return {**result, "paths": paths, "summary": summary(paths)}


def summary(paths: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per path: the targets met, missed, and not measured."""
    out: dict[str, Any] = {}
    for path, report in paths.items():
        targets = report["targets"]
        out[path] = {
            "met": sorted(k for k, v in targets.items() if v is True),
            "missed": sorted(k for k, v in targets.items() if v is False),
            "wer_gap": {c: f["wer_gap"] for c, f in report["conditions"].items()},
            "first_reply_p50_ms": report["first_reply_ms"]["p50"],
        }
    return out


def markdown_table(result: dict[str, Any]) -> str:
    """One row per path and noise condition, for the README."""
    rows = ["| path | noise | WER vs offline | WER (offline) vs text | first reply p50 / p95 "
            "| barge-in stop p50 | false barge-ins | premature cut-offs | missed turns |",
            "|---|---|---|---|---|---|---|---|---|"]
    for path, report in result["paths"].items():
        for i, (condition, f) in enumerate(report["conditions"].items()):
            reply = f["first_reply_ms"]
            stop = report["barge_in_stop_ms"]
            turns = [
                (f"{stop['p50']} ms (resumed {stop['resumed']}/{stop['of']})"
                 if stop["p50"] is not None else
                 f"not stopped {stop['not_stopped']}/{stop['of']}") if i == 0 else "",
                _count(report["false_barge_ins"]) if i == 0 else "",
                _count(report["premature_cutoffs"]) if i == 0 else "",
            ]
            rows.append(
                f"| {path} | {condition} | {f['wer_vs_offline']} | {f['wer_vs_reference']} "
                f"({f['offline_wer_vs_reference']}) | {reply['p50']} / {reply['p95']} ms | "
                f"{' | '.join(turns)} | {_count(f['missed_turns'])} |"
            )
    return "\n".join(rows)


def _count(figure: dict[str, Any]) -> str:
    return f"{figure['count']}/{figure['of']}"
