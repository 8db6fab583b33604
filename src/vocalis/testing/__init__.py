"""The Vocalis test kit: script a whole voice call and run it in milliseconds.

Fake VAD, STT, LLM and TTS implement the real component contracts and follow a script: what
the user says and when, what the LLM answers (text or tool calls, after how long), how long the
TTS takes. Audio really flows through the pipeline and the output track, on a virtual clock,
so a 30-second call runs in well under a second and the same way every time.

Example::

    from vocalis import Agent, function_tool
    from vocalis.testing import FakeLLM, FakeResponse, FakeToolCall, ScriptedCall, UserScript
    from vocalis.utils import run_virtual

    class Weather(Agent):
        def __init__(self):
            super().__init__(instructions="You tell the weather.")

        @function_tool
        async def get_weather(self, city: str) -> str:
            return f"Sunny in {city}"

    user = UserScript().says("What's the weather in Paris?", at=1.0)
    llm = FakeLLM([
        FakeResponse(tool_calls=[FakeToolCall("get_weather", {"city": "Paris"})]),
        FakeResponse("It is sunny in Paris.", ttft=0.2),
    ])
    record = run_virtual(ScriptedCall(Weather(), user, llm=llm).run(until=8.0))
    assert record.assistant_texts() == ["It is sunny in Paris."]
    assert record.metrics.turns[0].e2e_latency_ms < 1000

A realtime speech-to-speech agent is scripted the same way with
``FakeRealtimeModel(user, [FakeResponse(...), ...])`` as ``llm``. For logic without audio, use
text mode: ``result = await session.run(user_input="...")``.
"""

from ..utils.clock import VirtualTimeLoop, run_virtual
from .call import CallRecord, ScriptedCall
from .fake_llm import FakeLLM, FakeResponse, FakeToolCall
from .fake_realtime import FakeRealtimeModel
from .fake_stt import FakeSTT
from .fake_tts import FakeTTS
from .fake_vad import FakeVAD
from .loopback import LoopbackInput, LoopbackOutput, OutputRecord
from .script import UserScript, Utterance

__all__ = [
    "CallRecord",
    "FakeLLM",
    "FakeRealtimeModel",
    "FakeResponse",
    "FakeSTT",
    "FakeTTS",
    "FakeToolCall",
    "FakeVAD",
    "LoopbackInput",
    "LoopbackOutput",
    "OutputRecord",
    "ScriptedCall",
    "UserScript",
    "Utterance",
    "VirtualTimeLoop",
    "run_virtual",
]
