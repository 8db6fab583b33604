"""The agent the conversation-quality benchmark talks to: the example's local stack, an echo LLM.

Serve it like any agent file (``vocalis serve benchmarks/quality/echo_agent.py``, or
``vocalis run ... --input call.wav``). The pipeline is ``examples/assistant.py``'s own
(``build_pipeline``: Silero VAD, Whisper tiny.en, turn detector, Piper, same settings), so tuning
the example tunes what is measured. The LLM answers at once with what it was given: "You said:
<text>." A request that mentions a story gets a long answer too, for the client to speak over.
With ``reply=none`` in the connection's parameters (or ``VOCALIS_QUALITY_REPLY=none``) it says
nothing at all: for tests that only check what the agent heard. With a ``vocalis gateway`` URL in
``VOCALIS_QUALITY_GATEWAY`` its STT, voice and interruption detector are the gateway clients
instead (``gateway_pipeline``).

Every committed user turn (the text the LLM receives), its turn metrics (when the user's
speech ended, when the turn was committed, the turn detector's probability and the wait it
chose) and every interruption is appended as a JSON line
to the file named by ``VOCALIS_QUALITY_LOG`` (nothing is written without it), tagged with the
connection's ``call_id`` (a query parameter on ``/ws`` and ``/offer``, a custom parameter on
``/twilio``, the input file's path in file mode) and wall-clock times.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from vocalis import LLM, Agent, AgentSession, ChatRole, LLMResponse
from vocalis.job import JobContext
from vocalis.pipeline.events import MetricsCollected, TranscriptReady
from vocalis.utils import now

LOG_ENV = "VOCALIS_QUALITY_LOG"
REPLY_ENV = "VOCALIS_QUALITY_REPLY"
GATEWAY_ENV = "VOCALIS_QUALITY_GATEWAY"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "assistant.py"

LONG_ANSWER_WORDS = frozenset({"story", "stories"})
LONG_ANSWER = (
    "Once upon a time, a small boat sailed out of the harbour at dawn. The sailor sang as "
    "the town grew smaller behind her, and the sea stayed calm all morning."
)
"""About eight seconds of speech: room for a backchannel or an interruption over it."""

_WORD = re.compile(r"[a-z']+")
_log_lock = threading.Lock()


def log_event(call_id: str, event: str, **fields: Any) -> None:
    """Append one JSON line to the quality log (a no-op when ``VOCALIS_QUALITY_LOG`` is unset)."""
    path = os.environ.get(LOG_ENV)
    if not path:
        return
    line = json.dumps({"call": call_id, "event": event, "wall": time.time(), **fields})
    with _log_lock, open(path, "a", encoding="utf-8") as out:
        out.write(line + "\n")


def wall_time(loop_time: float | None) -> float | None:
    """A reading of the session clock (the loop's monotonic time) as wall-clock time."""
    if loop_time is None:
        return None
    return time.time() - (now() - loop_time)


def echo_reply(heard: str) -> str:
    """What the echo LLM says to ``heard``."""
    text = heard.strip().rstrip(".!?")
    reply = f"You said: {text}."
    if LONG_ANSWER_WORDS & set(_WORD.findall(heard.lower())):
        reply += " " + LONG_ANSWER
    return reply


class EchoLLM(LLM):
    """An instant LLM that repeats the last user message (see ``echo_reply``), or stays silent
    when ``silent``."""

    def __init__(self, silent: bool = False) -> None:
        super().__init__()
        self.silent = silent

    async def chat(
        self,
        messages: Any,
        tools: list[Any] | None = None,
        conversational_graph: Any | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[LLMResponse]:
        users = [m for m in messages.messages() if m.role is ChatRole.USER]
        heard = users[-1].text_content if users else ""
        yield LLMResponse(content="" if self.silent else echo_reply(heard))


class Listener(Agent):
    """No greeting and no tools: the caller speaks first."""

    def __init__(self, call_id: str) -> None:
        super().__init__(instructions="Repeat what the user said.")
        self.call_id = call_id

    async def on_enter(self) -> None:
        log_event(self.call_id, "start")


def example_pipeline(llm: LLM) -> Any:
    """``examples/assistant.py``'s ``build_pipeline(llm)``."""
    spec = importlib.util.spec_from_file_location("vocalis_quality_example", EXAMPLE)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {EXAMPLE}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_pipeline(llm)


def gateway_pipeline(llm: LLM, base_url: str) -> Any:
    """The example's pipeline with its STT, voice and interruption detector served by the
    ``vocalis gateway`` at ``base_url`` (``http://host:port``): VideoSDK's STT client, LiveKit's
    TTS and barge-in clients (credentials from ``VIDEOSDK_AUTH_TOKEN``, ``LIVEKIT_API_KEY`` and
    ``LIVEKIT_API_SECRET``). The VAD and the turn detector stay local, as in the example."""
    from vocalis import EOUConfig, Pipeline
    from vocalis.inference import STT, AdaptiveInterruptionDetector
    from vocalis.inference.livekit import TTS
    from vocalis.plugins.silero import SileroVAD
    from vocalis.plugins.turn_detector import TurnDetector

    root = base_url.rstrip("/")
    return Pipeline(
        stt=STT.deepgram(base_url="ws" + root.removeprefix("http"), input_sample_rate=16000),
        llm=llm,
        tts=TTS("piper/joe", base_url=f"{root}/v1", sample_rate=22050),
        vad=SileroVAD(min_silence_duration=0.3),
        turn_detector=TurnDetector(),
        interruption_detector=AdaptiveInterruptionDetector(base_url=f"{root}/v1"),
        eou_config=EOUConfig(min_max_speech_wait_timeout=[0.3, 1.3]),
    )


def call_id_of(ctx: JobContext) -> str:
    meta = ctx.metadata
    return str(meta.get("call_id") or meta.get("input") or meta.get("room_id") or "unknown")


async def entrypoint(ctx: JobContext) -> None:
    call_id = call_id_of(ctx)
    silent = str(ctx.metadata.get("reply") or os.environ.get(REPLY_ENV, "")) == "none"
    gateway = os.environ.get(GATEWAY_ENV)
    llm = EchoLLM(silent=silent)
    pipeline = gateway_pipeline(llm, gateway) if gateway else example_pipeline(llm)

    @pipeline.on(TranscriptReady)
    def _turn(event: TranscriptReady) -> None:
        log_event(call_id, "user_turn", text=event.text)

    for name in ("interrupted", "false_interruption", "backchannel"):
        pipeline.on(name, lambda payload=None, _n=name: log_event(call_id, _n))

    @pipeline.on(MetricsCollected)
    def _metrics(event: MetricsCollected) -> None:
        metrics = event.metrics
        if metrics.user_text:
            log_event(call_id, "turn_metrics", text=metrics.user_text,
                      speech_end=wall_time(metrics.user_speech_end),
                      vad_end=wall_time(metrics.vad_end_at),
                      stt_final=wall_time(metrics.stt_final_at),
                      committed=wall_time(metrics.committed_at),
                      tts_first_audio=wall_time(metrics.tts_first_audio_at),
                      first_audio_out=wall_time(metrics.first_audio_out_at),
                      preemptive=metrics.preemptive,
                      eou_probability=metrics.eou_probability, eou_delay=metrics.eou_delay_s)

    session = AgentSession(agent=Listener(call_id), pipeline=pipeline)
    await session.start(wait_for_participant=True, run_until_shutdown=True)
