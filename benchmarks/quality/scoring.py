"""From a call's recorded timeline to the figures: WER, reply latency, barge-in, cut-offs.

Each LLM turn belongs to the last utterance the caller had started when the user's speech in
that turn ended (as the agent's VAD placed it), however late the turn was committed.
Latencies run from the last voiced sample the client sent to the first audible agent audio the
client received. Word error rates are corpus-level (errors over reference words), after
Whisper's English normaliser on both sides.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from .record import AgentAudio, CallRecord, LLMTurn, Utterance

WER_KINDS = ("turn", "pause", "trigger", "interruption")
LATENCY_KINDS = ("turn", "pause", "trigger")
OVER_AGENT_WINDOW = 1.5
"""Agent audio this recent counts as the agent still talking when the caller starts."""
BACKCHANNEL_WINDOW = 4.0
"""An interruption signal up to this long after a backchannel ends (and before the caller says
anything else) is its doing: the agent waits 2 s for words before it gives up a pause."""
PAUSE_GAP = 0.6
"""Agent audio stopping for this long under a backchannel is a pause (even if it resumes)."""
RESUME_WITHIN = 3.0
"""Audio that comes back this soon after a pause is the same answer resuming."""
STOP_GAP = 0.6
"""Agent audio that stops for this long has stopped (Piper leaves up to 0.45 s between
phrases of one answer)."""
MIN_REACTION = 0.25
"""Audio that stops sooner than this after the caller started is a gap in the answer, not a
reaction to the caller."""
STOP_LIMIT = 3.0
"""An interruption the agent has not stopped for within this long after it ended failed."""


@cache
def _normalizer() -> Any:
    from whisper_normalizer.english import EnglishTextNormalizer

    return EnglishTextNormalizer()


def normalize(text: str) -> str:
    return " ".join(_normalizer()(text).split())


@dataclass
class WordErrors:
    """Edit operations against a reference, summed over utterances."""

    errors: int = 0
    words: int = 0

    def add(self, reference: str, hypothesis: str) -> None:
        ref, hyp = normalize(reference), normalize(hypothesis)
        if not ref:
            self.errors += len(hyp.split())
            return
        import jiwer

        out = jiwer.process_words(ref, hyp or "")
        self.errors += out.substitutions + out.deletions + out.insertions
        self.words += len(ref.split())

    @property
    def rate(self) -> float | None:
        return round(self.errors / self.words, 4) if self.words else None


@dataclass
class UtteranceResult:
    """What happened to one utterance."""

    kind: str
    text: str
    voice: str
    heard: str = ""
    offline: str | None = None
    llm_turns: int = 0
    reply_ms: float | None = None
    premature: bool = False
    premature_heard: bool = False
    interrupted: bool = False
    paused: bool = False
    over_agent: bool = True
    stop_ms: float | None = None
    resumed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None and v is not False}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UtteranceResult:
        return cls(**{"over_agent": False, **data})


@dataclass
class CallScore:
    path: str
    condition: str
    utterances: list[UtteranceResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timeline: dict[str, Any] = field(default_factory=dict)


def speech_spans(times: list[float], chunk: dict[float, float], t0: float,
                 merge: float = 0.3) -> list[list[float]]:
    """Audible agent audio as [start, end] spans in seconds from ``t0``."""
    spans: list[list[float]] = []
    for t in times:
        end = t + chunk.get(t, 0.02)
        if spans and t - t0 - spans[-1][1] <= merge:
            spans[-1][1] = round(end - t0, 3)
        else:
            spans.append([round(t - t0, 3), round(end - t0, 3)])
    return spans


def timeline(record: CallRecord) -> dict[str, Any]:
    """What happened when, in seconds from the first utterance's onset (for reading a call, and
    for ``rescore``): caller speech [onset, voiced start, voiced end, kind, text, voice], agent
    audio [start, end], LLM turns [committed, speech end, text], interruption signals, and the
    agent's own events."""
    t0 = record.utterances[0].onset if record.utterances else 0.0
    chunk = {t: d for t, d, _ in record.agent.chunks}
    return {
        "caller": [[round(u.onset - t0, 3), round(u.voiced_start - t0, 3),
                    round(u.voiced_end - t0, 3), u.kind, u.text, u.voice]
                   for u in record.utterances],
        "agent_audio": speech_spans(record.agent.audible(), chunk, t0),
        "llm_turns": [[round(t.wall - t0, 3), round(t.spoken_at - t0, 3), t.text]
                      for t in record.llm_turns],
        "interrupt_signals": [round(t - t0, 3) for t in record.interrupts],
        "server_events": [[round(t - t0, 3), e] for t, e in record.server_events
                          if e not in ("user_turn", "turn_metrics", "start")],
    }


def _gap_after(times: list[float], start: float, gap: float) -> float | None:
    """The first audible time >= ``start`` followed by ``gap`` seconds without audio (the
    moment audio stopped), or None when audio goes on."""
    later = [t for t in times if t >= start]
    for a, b in itertools.pairwise(later):
        if b - a >= gap:
            return a
    return later[-1] if later else None


def owner_of(turn: LLMTurn, utterances: list[Utterance]) -> int | None:
    """The index of the utterance ``turn`` came from (None: before anything was said)."""
    at = turn.spoken_at
    owner = None
    for i, u in enumerate(utterances):
        if u.voiced_start < at:
            owner = i
    return owner


def record_from_timeline(path: str, condition: str, timeline: dict[str, Any]) -> CallRecord:
    """A record rebuilt from a saved ``timeline`` (agent audio at 20 ms resolution), so that a
    saved run can be scored again under changed rules."""
    utterances = []
    for entry in timeline["caller"]:
        if len(entry) == 4:  # the first runs saved [voiced start, voiced end, kind, text]
            entry = [entry[0] - 0.05, *entry, ""]
        onset, start, end, kind, text, voice = entry
        utterances.append(Utterance(kind, text, voice, 0, 0, onset, start, end))
    agent = AgentAudio()
    for a, b in timeline["agent_audio"]:
        for i in range(max(1, round((b - a) / 0.02))):
            agent.chunks.append((a + i * 0.02, 0.02, 0.0))
    turns = [LLMTurn(wall, text, end) for wall, end, text in timeline["llm_turns"]]
    return CallRecord(path, condition, 0, np.zeros(0, dtype="<i2"), utterances, agent,
                      interrupts=list(timeline["interrupt_signals"]), llm_turns=turns,
                      server_events=[(t, e) for t, e in timeline.get("server_events", [])])


def score_call(record: CallRecord, offline: dict[int, str]) -> CallScore:
    """Score one call; ``offline`` maps an utterance's index to its offline decode.

    An interruption counts as stopping the agent only when the barge-in was confirmed (an
    interruption signal, or its words reached the LLM); it stops at the signal or when agent
    audio stops arriving, whichever is first, and ``resumed`` records the old answer coming
    back after that (before the answer to the interruption).
    """
    score = CallScore(record.path, record.condition, notes=list(record.notes),
                      timeline=timeline(record))
    utts = record.utterances  # in the order they were said
    audible = record.agent.audible()
    chunk = {t: d for t, d, _ in record.agent.chunks}
    owners = [owner_of(turn, utts) for turn in record.llm_turns]
    for i, u in enumerate(utts):
        nxt = utts[i + 1].onset if i + 1 < len(utts) else float("inf")
        turns = [t for t, owner in zip(record.llm_turns, owners, strict=True) if owner == i]
        result = UtteranceResult(u.kind, u.text, u.voice, " ".join(t.text for t in turns),
                                 offline.get(i), len(turns))
        if u.kind in LATENCY_KINDS:
            _score_reply(result, u, turns, audible, nxt)
        elif u.kind == "backchannel":
            _score_backchannel(result, u, record, audible, nxt)
        elif u.kind == "interruption":
            _score_interruption(result, u, record, turns, audible, chunk)
        score.utterances.append(result)
    return score


def _score_reply(result: UtteranceResult, u: Utterance, turns: list[LLMTurn], audible: list[float],
                 nxt: float) -> None:
    early = [t for t in audible if u.voiced_start <= t < u.voiced_end]
    result.premature_heard = bool(early)
    result.premature = result.premature_heard or any(t.wall < u.voiced_end for t in turns)
    first = next((t for t in audible if u.voiced_end <= t < nxt), None)
    if first is not None and not early:
        result.reply_ms = round((first - u.voiced_end) * 1000, 1)


def _agent_talking(audible: list[float], at: float) -> bool:
    """Whether the agent was in the middle of an answer at ``at`` (a gap of a loaded machine's
    slow synthesis included)."""
    return any(at - OVER_AGENT_WINDOW <= t <= at + 0.3 for t in audible)


def _score_backchannel(result: UtteranceResult, u: Utterance, record: CallRecord,
                       audible: list[float], nxt: float) -> None:
    result.over_agent = _agent_talking(audible, u.onset)
    end = min(u.voiced_end + BACKCHANNEL_WINDOW, nxt)
    result.interrupted = any(u.onset <= t <= end for t in record.interrupts)
    stopped = _gap_after(audible, u.onset, PAUSE_GAP)
    result.paused = stopped is not None and stopped <= u.voiced_end + 1.0 and any(
        stopped + PAUSE_GAP < t < stopped + RESUME_WITHIN for t in audible
    )


def _score_interruption(result: UtteranceResult, u: Utterance, record: CallRecord,
                        turns: list[LLMTurn], audible: list[float],
                        chunk: dict[float, float]) -> None:
    signal = next((t for t in record.interrupts if t >= u.onset), None)
    result.interrupted = signal is not None and signal <= u.voiced_end + STOP_LIMIT
    # An answer that was stopped was playing; one that had ended by itself before the caller
    # started (a misheard trigger gets a short answer) leaves nothing to stop.
    result.over_agent = _agent_talking(audible, u.onset) and (
        result.interrupted or not _answer_ended_before(audible, chunk, u.voiced_start))
    silence = _silence_after(audible, chunk, u.voiced_start + MIN_REACTION)
    stops = [t for t in (signal, silence) if t is not None and t <= u.voiced_end + STOP_LIMIT]
    if not stops or not (result.interrupted or result.llm_turns):
        return
    stop = min(stops)
    result.stop_ms = round((stop - u.voiced_start) * 1000, 1)
    answer = min((t.wall for t in turns), default=stop + RESUME_WITHIN)
    result.resumed = any(stop + STOP_GAP <= t < answer for t in audible)


def _answer_ended_before(audible: list[float], chunk: dict[float, float], at: float) -> bool:
    """Whether the agent's answer had ended by itself before ``at``: its last audio before then
    was followed by ``OVER_AGENT_WINDOW`` of silence (a short answer to a misheard trigger; the
    next audio is the answer to what the caller says now, and its end is no stop)."""
    last = max((t for t in audible if t <= at), default=None)
    if last is None:
        return True
    end = last + chunk.get(last, 0.02)
    following = min((t for t in audible if t > last), default=None)
    return following is None or following - end >= OVER_AGENT_WINDOW


def _silence_after(audible: list[float], chunk: dict[float, float], start: float) -> float | None:
    """When agent audio first stopped arriving for ``STOP_GAP`` after ``start`` (None: it had
    already stopped)."""
    later = [t for t in audible if t >= start]
    for a, b in itertools.pairwise(later):
        if b - a >= STOP_GAP:
            return a + chunk.get(a, 0.02)
    return later[-1] + chunk.get(later[-1], 0.02) if later else None


def percentiles(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "p50": None, "p95": None}
    arr = np.asarray(values)
    return {"n": len(values), "p50": round(float(np.percentile(arr, 50)), 1),
            "p95": round(float(np.percentile(arr, 95)), 1)}


def wer_figures(results: list[UtteranceResult]) -> dict[str, Any]:
    """WER of what reached the LLM against the offline decode and the reference text.

    The call is scored as one sequence (every utterance that should reach the LLM, in order),
    so a sentence the agent split in two or merged with the next is scored on its words, not
    on which turn they landed in (cut-offs are counted on their own).
    """
    live_vs_offline, live_vs_ref, offline_vs_ref = WordErrors(), WordErrors(), WordErrors()
    items = [r for r in results if r.kind in WER_KINDS and r.offline is not None]
    reference = " ".join(r.text for r in items)
    offline = " ".join(r.offline or "" for r in items)
    heard = " ".join(r.heard for r in items if r.heard)
    live_vs_offline.add(offline, heard)
    live_vs_ref.add(reference, heard)
    offline_vs_ref.add(reference, offline)
    gap = None
    if live_vs_ref.rate is not None and offline_vs_ref.rate is not None:
        gap = round(live_vs_ref.rate - offline_vs_ref.rate, 4)
    return {
        "utterances": len(items), "reference_words": live_vs_ref.words,
        "wer_vs_offline": live_vs_offline.rate, "wer_vs_reference": live_vs_ref.rate,
        "offline_wer_vs_reference": offline_vs_ref.rate, "wer_gap": gap,
    }


def turn_figures(results: list[UtteranceResult]) -> dict[str, Any]:
    """Latency, missed turns, cut-offs, false barge-ins and barge-in stops of ``results``."""
    expecting = [r for r in results if r.kind in WER_KINDS]
    pauses = [r for r in results if r.kind == "pause"]
    backchannels = [r for r in results if r.kind == "backchannel" and r.over_agent]
    interruptions = [r for r in results if r.kind == "interruption" and r.over_agent]
    return {
        "first_reply_ms": percentiles([r.reply_ms for r in results if r.reply_ms is not None]),
        "missed_turns": {"count": sum(1 for r in expecting if r.llm_turns == 0),
                         "of": len(expecting)},
        "premature_cutoffs": {"count": sum(1 for r in pauses if r.premature),
                              "heard": sum(1 for r in pauses if r.premature_heard),
                              "of": len(pauses)},
        "false_barge_ins": {"count": sum(1 for r in backchannels
                                         if r.interrupted or r.llm_turns),
                            "agent_paused": sum(1 for r in backchannels if r.paused),
                            "of": len(backchannels)},
        "barge_in_stop_ms": {**percentiles([r.stop_ms for r in interruptions
                                            if r.stop_ms is not None]),
                             "not_stopped": sum(1 for r in interruptions if r.stop_ms is None),
                             "resumed": sum(1 for r in interruptions if r.resumed),
                             "of": len(interruptions)},
    }
