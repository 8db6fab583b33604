"""Scenarios with a realtime speech-to-speech model standing in the pipeline."""

from __future__ import annotations

from tests.scenarios.agents import LONG_ANSWER, Greeter

from vocalis import ChatRole, RealtimeConfig, RealtimeMode
from vocalis.testing import (
    FakeRealtimeModel,
    FakeResponse,
    FakeToolCall,
    FakeTTS,
    ScriptedCall,
    UserScript,
    run_virtual,
)


def test_full_speech_to_speech_call_with_a_tool():
    user = UserScript().says("What's the weather in Rome", at=1.0)
    model = FakeRealtimeModel(
        user,
        [
            FakeResponse(tool_calls=[FakeToolCall("get_weather", {"city": "Rome"}, call_id="w1")]),
            FakeResponse("It is sunny in Rome.", ttft=0.2),
        ],
    )
    call = ScriptedCall(Greeter(greeting=None), user, llm=model)
    assert call.pipeline.realtime_mode == "full_s2s"
    record = run_virtual(call.run(until=6.0))
    types = [(i.type, getattr(i, "role", None)) for i in record.chat_context.items[1:]]
    assert types == [
        ("message", ChatRole.USER),
        ("function_call", None),
        ("function_call_output", None),
        ("message", ChatRole.ASSISTANT),
    ]
    assert record.chat_context.items[3].output == "Sunny and 21 degrees in Rome"
    assert record.assistant_texts() == ["It is sunny in Rome."]
    assert record.agent_speech(), "the model's audio reached the output"
    states = [s for _, s in record.states()]
    assert states[:2] == ["starting", "idle"]
    assert "listening" in states and "thinking" in states and "speaking" in states
    turn = record.metrics.turns[-1]
    assert turn.user_text == "What's the weather in Rome"
    assert 200 < turn.e2e_latency_ms < 1000


def test_barge_in_on_a_realtime_model_stops_its_voice():
    user = UserScript().says("Tell me about the menu", at=1.0).says("Stop, just the prices", at=4.0)
    model = FakeRealtimeModel(user, [LONG_ANSWER, "Pasta is twelve euros."])
    record = run_virtual(ScriptedCall(Greeter(greeting=None), user, llm=model).run(until=9.0))
    first = record.agent_speech()[0]
    assert first[1] < 4.0 + 0.6
    assert model.interrupts == 1
    assert record.assistant_texts()[-1] == "Pasta is twelve euros."
    assert model.requests == ["Tell me about the menu", "Stop, just the prices"]


def test_hybrid_tts_speaks_the_models_text_with_our_voice():
    user = UserScript().says("Say hello", at=1.0)
    model = FakeRealtimeModel(user, ["Hello from the model."], text_only=True)
    tts = FakeTTS()
    call = ScriptedCall(
        Greeter(greeting=None), user, llm=model, tts=tts,
        realtime_config=RealtimeConfig(mode=RealtimeMode.HYBRID_TTS),
    )
    assert call.pipeline.realtime_mode == "hybrid_tts"
    record = run_virtual(call.run(until=5.0))
    assert tts.texts == ["Hello from the model."]
    assert record.assistant_texts() == ["Hello from the model."]
    assert record.agent_speech()


def test_say_through_a_realtime_model():
    from vocalis import Agent

    class Welcome(Agent):
        def __init__(self):
            super().__init__(instructions="x")

        async def on_enter(self):
            await self.session.say("Welcome to Luigi's.")

    model = FakeRealtimeModel(UserScript())
    record = run_virtual(ScriptedCall(Welcome(), UserScript(), llm=model).run(until=3.0))
    assert record.assistant_texts() == ["Welcome to Luigi's."]
    assert record.agent_speech()[0][0] < 0.1


def test_hybrid_stt_our_turn_taking_feeds_the_model_text():
    from vocalis.testing import FakeSTT, FakeVAD

    user = UserScript().says("What time do you close", at=1.0)
    model = FakeRealtimeModel(user, ["We close at ten."])
    call = ScriptedCall(
        Greeter(greeting=None), user, llm=model, stt=FakeSTT(user), vad=FakeVAD()
    )
    assert call.pipeline.realtime_mode == "hybrid_stt"
    record = run_virtual(call.run(until=5.0))
    # The model never heard audio: our VAD, STT and end-of-turn decision sent it the text.
    assert model.position == 0.0
    assert model.requests == ["What time do you close"]
    assert record.user_texts() == ["What time do you close"]
    assert record.assistant_texts() == ["We close at ten."]
    assert record.agent_speech()
    turn = record.metrics.turns[-1]
    assert turn.user_speech_end is not None and 300 < turn.e2e_latency_ms < 800


def test_llm_only_realtime_model_answers_in_text():
    from vocalis.testing import FakeSTT, FakeVAD

    user = UserScript().says("Spell my name", at=1.0)
    model = FakeRealtimeModel(user, ["A N A."], text_only=True)
    call = ScriptedCall(
        Greeter(greeting=None), user, llm=model, stt=FakeSTT(user), vad=FakeVAD(),
        realtime_config=RealtimeConfig(mode=RealtimeMode.LLM_ONLY),
    )
    assert call.pipeline.realtime_mode == "llm_only"
    record = run_virtual(call.run(until=4.0))
    assert record.assistant_texts() == ["A N A."]
    assert not record.agent_speech()


def test_barge_in_on_our_voice_in_hybrid_tts_follows_the_same_rules():
    """The model hears the user; our barge-in rules stop our TTS (one place for both)."""
    user = UserScript().says("Tell me about the menu", at=1.0).says("Stop, just the prices", at=4.0)
    model = FakeRealtimeModel(user, [LONG_ANSWER, "Pasta is twelve euros."], text_only=True)
    call = ScriptedCall(
        Greeter(greeting=None), user, llm=model, tts=FakeTTS(),
        realtime_config=RealtimeConfig(mode=RealtimeMode.HYBRID_TTS),
    )
    record = run_virtual(call.run(until=12.0))
    first = record.agent_speech()[0]
    assert first[1] < 4.0 + 1.0  # our voice stopped soon after the user spoke over it
    assert record.metrics.interruptions >= 1
    assert record.assistant_texts()[-1] == "Pasta is twelve euros."
