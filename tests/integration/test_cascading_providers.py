"""A cascading agent on real provider plugins against the local fake servers.

DeepgramSTT (v1, ``/v1/listen``) hears the user, OpenAILLM (chat completions over HTTP) thinks
and calls a tool, DeepgramTTS (``/v1/speak``) speaks. The user's audio is the test kit's tone,
so the kit's FakeVAD finds the speech and the fake Deepgram server is scripted to return the
words once it has received the utterance's audio. Real sockets, real (short) time.
"""

from __future__ import annotations

import json

import pytest
from tests.fakes.deepgram import LISTEN_V1, SPEAK_V1, FakeDeepgram, Say
from tests.fakes.openai_http import (
    DONE,
    USAGE,
    FakeOpenAIHTTP,
    chat_chunk,
    chat_text_reply,
    tool_call_fragments,
)
from tests.integration.helpers import (
    QUESTION,
    LiveCall,
    WeatherAgent,
    assert_weather_tool_in_context,
    speech_bytes,
)

from vocalis import EOUConfig, Pipeline
from vocalis.plugins.deepgram import DeepgramSTT, DeepgramTTS
from vocalis.plugins.openai import OpenAILLM
from vocalis.testing import FakeVAD, UserScript

ANSWER = "It is sunny and warm in Paris today."
TTS_RATE = 24000


@pytest.fixture
async def deepgram():
    server = await FakeDeepgram().start()
    try:
        yield server
    finally:
        await server.aclose()


@pytest.fixture
async def openai_http():
    async with FakeOpenAIHTTP() as fake:
        yield fake


def tool_call_reply(call_id: str, name: str, arguments: str) -> list:
    """A chat-completions stream that only calls a tool, its arguments in five fragments."""
    steps: list = [chat_chunk({"role": "assistant", "content": None})]
    steps += tool_call_fragments(0, call_id, name, arguments, parts=5)
    steps += [chat_chunk({}, finish_reason="tool_calls"), chat_chunk(no_choices=True, usage=USAGE)]
    return [*steps, DONE]


def cascading_pipeline(deepgram: FakeDeepgram, openai_http: FakeOpenAIHTTP) -> Pipeline:
    return Pipeline(
        stt=DeepgramSTT(api_key="test-key", base_url=deepgram.url(LISTEN_V1), sample_rate=16000),
        llm=OpenAILLM(api_key="sk-test", base_url=openai_http.base_url),
        tts=DeepgramTTS(api_key="test-key", base_url=deepgram.url(SPEAK_V1), sample_rate=TTS_RATE),
        vad=FakeVAD(),
        eou_config=EOUConfig(min_max_speech_wait_timeout=[0.2, 0.6]),
    )


async def test_spoken_question_tool_call_and_spoken_answer(deepgram, openai_http):
    user = UserScript().says(QUESTION, at=0.2, duration=0.8)
    utterance = user.utterances[0]
    deepgram.listen_script = [Say(QUESTION, after_bytes=speech_bytes(utterance.end))]
    deepgram.speak_bytes_per_char = 960  # 20 ms of 24 kHz audio per character
    arguments = json.dumps({"city": "Paris"})
    openai_http.chat_replies += [
        tool_call_reply("call_paris", "get_weather", arguments),
        chat_text_reply("It is sunny ", "and warm in Paris", " today."),
    ]
    agent = WeatherAgent()
    call = LiveCall(agent, cascading_pipeline(deepgram, openai_http), user)

    record = await call.run(call.finished_speaking, timeout=6.0)

    # The user's words came from Deepgram (interim first, then the final result).
    transcripts = [p for _, n, p in record.events if n == "user_transcript"]
    assert transcripts[-1] == {"text": QUESTION, "is_final": True}
    assert any(not p["is_final"] for p in transcripts)
    assert record.user_texts() == [QUESTION]

    # The tool ran once with the reassembled arguments; call and output are in the context.
    assert agent.cities == ["Paris"]
    assert_weather_tool_in_context(record)
    assert record.assistant_texts() == [ANSWER]
    assert [p for _, n, p in record.events if n == "agent_text"][-1]["text"] == ANSWER

    # The LLM saw the tool schema first, then the tool call and its result.
    first, second = (r.json for r in openai_http.of("/chat/completions"))
    assert first["tools"][0]["function"]["name"] == "get_weather"
    assert first["messages"][-1] == {"role": "user", "content": QUESTION}
    assistant_call = second["messages"][-2]
    assert assistant_call["role"] == "assistant"
    assert assistant_call["tool_calls"][0]["id"] == "call_paris"
    assert assistant_call["tool_calls"][0]["function"]["name"] == "get_weather"
    assert json.loads(assistant_call["tool_calls"][0]["function"]["arguments"]) == {"city": "Paris"}
    assert second["messages"][-1] == {
        "role": "tool", "tool_call_id": "call_paris", "content": "Sunny and warm in Paris",
    }

    # Deepgram listen: the user's audio at the declared rate, a Finalize at the end of speech.
    listen = [c for c in deepgram.connections if c.path == LISTEN_V1]
    assert listen[0].query["sample_rate"] == "16000" and listen[0].query["encoding"] == "linear16"
    assert len(listen[0].audio) >= speech_bytes(utterance.end)
    assert "Finalize" in listen[0].types()

    # Deepgram speak: the answer as Speak, then Flush; its audio came out of the output track.
    (speak,) = [c for c in deepgram.connections if c.path == SPEAK_V1]
    assert speak.query["encoding"] == "linear16" and speak.query["sample_rate"] == str(TTS_RATE)
    kinds = speak.types()
    assert "Speak" in kinds and "Flush" in kinds
    spoken = " ".join(m["text"] for m in speak.messages if m["type"] == "Speak")
    assert " ".join(spoken.split()) == ANSWER
    assert kinds.index("Flush") > max(i for i, k in enumerate(kinds) if k == "Speak")
    synthesized = sum(len(a) for a in speak.sent_audio) / 2 / TTS_RATE
    heard = sum(end - start for start, end in record.agent_speech())
    assert synthesized > 0.5 and heard == pytest.approx(synthesized, abs=0.1)
    assert record.agent_speech()[0][0] > utterance.end  # the agent waited for the user

    # States and metrics of the turn.
    states = call.states()
    assert states[0] == "starting" and states[-1] == "closing"
    turn_states = states[states.index("listening"):]
    assert turn_states[:4] == ["listening", "thinking", "speaking", "idle"]
    (turn,) = [t for t in record.metrics.turns if t.user_text]
    assert turn.user_text == QUESTION
    assert [t.name for t in turn.tools] == ["get_weather"]
    assert turn.e2e_latency_ms is not None and 0 < turn.e2e_latency_ms < 2000
    assert not record.metrics.errors
