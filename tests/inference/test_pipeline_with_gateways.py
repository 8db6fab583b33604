"""Gateway STTs in a cascading ``Pipeline`` with the test kit's VAD, LLM and TTS: the user's
audio goes through the pipeline's resampler to the gateway, the transcript makes the turn."""

from __future__ import annotations

import pytest
from tests.fakes.livekit_gateway import FakeLiveKitGateway
from tests.fakes.videosdk_gateway import FakeVideoSDKGateway
from tests.integration.helpers import LiveCall, WeatherAgent

from vocalis import EOUConfig, Pipeline
from vocalis.inference import STT as VideoSDKSTT
from vocalis.inference.livekit import STT as LiveKitSTT
from vocalis.testing import FakeLLM, FakeResponse, FakeTTS, FakeVAD, UserScript

QUESTION = "what is the weather in paris"
ANSWER = "Sunny in Paris."


def pipeline(stt) -> Pipeline:
    return Pipeline(
        stt=stt, llm=FakeLLM([FakeResponse(ANSWER)]), tts=FakeTTS(), vad=FakeVAD(),
        eou_config=EOUConfig(min_max_speech_wait_timeout=[0.2, 0.4]),
    )


@pytest.mark.parametrize("gateway", ["videosdk", "livekit"])
async def test_a_turn_through_a_gateway_stt(
    vsdk: FakeVideoSDKGateway, lk: FakeLiveKitGateway, gateway: str
) -> None:
    user = UserScript().says(QUESTION, at=0.2, duration=0.6)
    if gateway == "videosdk":
        vsdk.stt_script = [(QUESTION, int(0.5 * 48000) * 2)]
        stt = VideoSDKSTT.deepgram(base_url=vsdk.base_url)
    else:
        lk.stt_text = QUESTION
        lk.stt_final_bytes = 10**9  # the final comes when the pipeline finalizes
        stt = LiveKitSTT("deepgram/nova-3:en", base_url=lk.base_url)
    call = LiveCall(WeatherAgent(), pipeline(stt), user)
    record = await call.run(call.finished_speaking, timeout=6.0)
    assert record.user_texts() == [QUESTION]
    assert record.assistant_texts() == [ANSWER]
    assert record.agent_speech()[0][0] > user.utterances[0].end
    if gateway == "videosdk":
        (conn,) = vsdk.of("stt")
        # The pipeline resampled the 16 kHz user audio to the config's 48 kHz.
        assert len(conn.audio) >= int(0.6 * 48000) * 2 * 0.9
        assert "flush" in conn.types()
    else:
        (conn,) = lk.of("/stt")
        assert "session.finalize" in conn.types()
    (turn,) = [t for t in record.metrics.turns if t.user_text]
    assert turn.e2e_latency_ms is not None and turn.e2e_latency_ms < 2000
    assert not record.metrics.errors
