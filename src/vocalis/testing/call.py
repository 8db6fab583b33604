"""``ScriptedCall``: a whole voice call on fake components and a virtual clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from ..audio import OutputTrack
from ..llm.chat_context import ChatContext
from ..llm.items import ChatMessage, ChatRole
from ..metrics import SessionMetrics
from ..pipeline.config import EOUConfig, InterruptConfig
from ..pipeline.pipeline import Pipeline
from ..realtime.base import RealtimeBaseModel
from ..session.session import AgentSession
from ..utils.clock import now
from .fake_llm import FakeLLM
from .fake_stt import FakeSTT
from .fake_tts import FakeTTS
from .fake_vad import FakeVAD
from .loopback import LoopbackInput, LoopbackOutput, OutputRecord
from .script import UserScript


@dataclass
class CallRecord:
    """Everything observable about a finished scripted call (times in call seconds)."""

    session: AgentSession
    output: OutputRecord
    events: list[tuple[float, str, Any]] = field(default_factory=list)

    @property
    def chat_context(self) -> ChatContext:
        return self.session.agent.chat_context

    @property
    def metrics(self) -> SessionMetrics:
        return self.session.metrics

    def messages(self, role: ChatRole | None = None) -> list[ChatMessage]:
        msgs = self.chat_context.messages()
        return [m for m in msgs if role is None or m.role is role]

    def assistant_texts(self) -> list[str]:
        return [m.text_content for m in self.messages(ChatRole.ASSISTANT)]

    def user_texts(self) -> list[str]:
        return [m.text_content for m in self.messages(ChatRole.USER)]

    def agent_speech(self) -> list[tuple[float, float]]:
        """When the agent's voice was heard: (start, end) spans."""
        return self.output.speech_spans()

    def states(self) -> list[tuple[float, str]]:
        return [(t, p["state"]) for t, name, p in self.events if name == "agent_state_changed"]

    def times(self, event: str) -> list[float]:
        return [t for t, name, _ in self.events if name == event]


class ScriptedCall:
    """Builds an ``AgentSession`` on fakes driven by a ``UserScript`` and runs it.

    Any component can be replaced (``stt=``, ``tts=``...); ``pipeline_options`` go to
    ``Pipeline``. Run it on a virtual clock: ``vocalis.utils.run_virtual(call.run(until=10))``.
    """

    RECORDED = (
        "agent_state_changed", "user_state_changed", "user_transcript", "agent_text",
        "metrics_collected", "function_tools_executed", "interrupted", "false_interruption",
        "backchannel", "agent_handoff", "error",
    )

    def __init__(
        self,
        agent: Any,
        user: UserScript | None = None,
        *,
        llm: Any = None,
        tts: Any = None,
        stt: Any = None,
        vad: Any = None,
        turn_detector: Any = None,
        eou_config: EOUConfig | None = None,
        interrupt_config: InterruptConfig | None = None,
        wake_up: float | None = None,
        **pipeline_options: Any,
    ) -> None:
        self.user = user or UserScript()
        self.agent = agent
        self.llm = llm if llm is not None else FakeLLM()
        if isinstance(self.llm, RealtimeBaseModel):
            # A speech-to-speech model hears and speaks itself; add STT, VAD or TTS explicitly
            # for the hybrid modes.
            self.tts, self.stt, self.vad = tts, stt, vad
        else:
            self.tts = tts if tts is not None else FakeTTS()
            self.stt = stt if stt is not None else FakeSTT(self.user)
            self.vad = vad if vad is not None else FakeVAD()
        self.pipeline = Pipeline(
            stt=self.stt,
            llm=self.llm,
            tts=self.tts,
            vad=self.vad,
            turn_detector=turn_detector,
            eou_config=eou_config or EOUConfig(min_max_speech_wait_timeout=[0.3, 0.8]),
            interrupt_config=interrupt_config,
            **pipeline_options,
        )
        self.track = OutputTrack()
        self.session = AgentSession(agent, self.pipeline, wake_up=wake_up, output_track=self.track)
        self._events: list[tuple[float, str, Any]] = []
        self._t0 = 0.0
        for name in self.RECORDED:
            self.session.on(name, lambda payload=None, _n=name: self._record(_n, payload))

    def _record(self, name: str, payload: Any) -> None:
        self._events.append((now() - self._t0, name, payload))

    async def run(self, until: float) -> CallRecord:
        """Run the call for ``until`` seconds of (virtual) time, then close the session."""
        self._t0 = now()
        output = LoopbackOutput(self.track)
        reader = asyncio.ensure_future(output.run(until))
        await self.session.start()
        feeder = LoopbackInput(self.session, self.user)
        await asyncio.gather(feeder.run(until - (now() - self._t0)), reader)
        await self.session.close()
        relative = OutputRecord([(t - self._t0, s) for t, s in output.record.frames])
        return CallRecord(self.session, relative, self._events)
