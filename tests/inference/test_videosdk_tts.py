"""VideoSDK gateway TTS against the fake gateway: config-first, text and flush, JSON / WAV /
binary audio, first-byte callback, interrupt, errors, slow answers."""

from __future__ import annotations

import asyncio

import pytest
from tests.fakes.videosdk_gateway import TOKEN, FakeVideoSDKGateway, tone_pcm
from tests.inference.conftest import RecordingTrack, until

from vocalis.inference import TTS
from vocalis.tts import FlushMarker, TTSError


def make(vsdk: FakeVideoSDKGateway, track: RecordingTrack, **kwargs) -> TTS:
    tts = TTS.cartesia(base_url=vsdk.base_url, **kwargs)
    tts.audio_track = track
    tts.loop = asyncio.get_running_loop()
    return tts


class FirstByte:
    def __init__(self, tts: TTS) -> None:
        self.count = 0
        tts.on_first_audio_byte(self)

    async def __call__(self) -> None:
        self.count += 1


async def stream(*items):
    for item in items:
        await asyncio.sleep(0)
        yield item


def test_factories_build_the_reference_configs() -> None:
    google = TTS.google()
    assert google.config["voice_name"] == "en-US-Chirp3-HD-Achernar"
    assert (google.provider, google.sample_rate) == ("google", 24000)
    sarvam = TTS.sarvam()
    assert (sarvam.provider, sarvam.voice_id) == ("sarvamai", "anushka")
    deepgram = TTS.deepgram(bit_rate=48000, language="fr")
    assert deepgram.language == "en" and deepgram.config["bit_rate"] == 48000
    assert deepgram.config["language"] == "fr"


async def test_a_string_is_spoken_and_completes_on_tts_complete(
    vsdk: FakeVideoSDKGateway, track: RecordingTrack
) -> None:
    tts = make(vsdk, track)
    first = FirstByte(tts)
    await tts.synthesize("Hello there, friend.")
    assert track.audio == tone_pcm("Hello there, friend.")
    assert first.count == 1
    (conn,) = vsdk.of("tts")
    assert conn.query == {"provider": "cartesia", "secret": TOKEN, "modelId": "sonic-2",
                          "voiceId": "faf0731e-dfb9-4cfc-8119-259a79b27e12"}
    assert conn.messages == [{"type": "config", "data": tts.config},
                             {"type": "text", "data": "Hello there, friend."}, {"type": "flush"}]
    await tts.synthesize("Second one.")  # the connection is reused
    assert tts.connections == 1 and first.count == 2
    await tts.aclose()


@pytest.mark.parametrize("mode", ["wav", "binary"])
async def test_wav_headers_are_stripped_and_binary_audio_fires_first_byte(
    vsdk: FakeVideoSDKGateway, track: RecordingTrack, mode: str
) -> None:
    vsdk.tts_mode = mode
    tts = make(vsdk, track)
    first = FirstByte(tts)
    await tts.synthesize("Hello there.")
    assert track.audio == tone_pcm("Hello there.")
    assert first.count == 1
    await tts.aclose()


async def test_streamed_tokens_are_sent_verbatim_with_flush_at_sentence_ends(
    vsdk: FakeVideoSDKGateway, track: RecordingTrack
) -> None:
    tts = make(vsdk, track)
    await tts.synthesize(stream("Hel", "lo wor", "ld. How ", "are", " you", FlushMarker(), "Ok"))
    (conn,) = vsdk.of("tts")
    texts = [m["data"] for m in conn.messages if m["type"] == "text"]
    assert "".join(texts) == "Hello world. How are youOk"
    kinds = conn.types()
    assert kinds.count("flush") == 3
    assert texts[0] == "Hello world."  # sub-word tokens joined as they came, no added spaces
    await tts.aclose()


async def test_short_text_is_held_for_sarvam_and_cartesia(
    vsdk: FakeVideoSDKGateway, track: RecordingTrack
) -> None:
    tts = make(vsdk, track)
    await tts.synthesize(stream("Hi. ", "How are you today?"))
    texts = [m["data"] for m in vsdk.of("tts")[0].messages if m["type"] == "text"]
    assert vsdk.of("tts")[0].types().count("flush") == 1
    assert "".join(texts) == "Hi. How are you today?"
    await tts.aclose()


async def test_interrupt_tells_the_gateway_and_starts_a_fresh_connection(
    vsdk: FakeVideoSDKGateway, track: RecordingTrack
) -> None:
    vsdk.tts_bytes_per_char = 48000
    tts = make(vsdk, track)
    task = asyncio.ensure_future(tts.synthesize("A very long answer that goes on."))
    await until(lambda: track.chunks)
    await tts.interrupt()
    await task
    assert track.interrupts == 1
    await until(lambda: tts.connections == 2)
    heard = len(track.audio)
    assert "interrupt" in vsdk.of("tts")[0].types()
    vsdk.tts_bytes_per_char = 480
    await tts.synthesize("Next.")
    assert len(track.audio) - heard == len(tone_pcm("Next."))
    assert vsdk.of("tts")[1].types()[0] == "config"
    await tts.aclose()


async def test_a_provider_error_fails_the_synthesis_and_forces_a_fresh_config(
    vsdk: FakeVideoSDKGateway, track: RecordingTrack
) -> None:
    vsdk.tts_error_on_text = "voice not found"
    tts = make(vsdk, track)
    errors: list[Exception] = []
    tts.on("error", errors.append)
    with pytest.raises(TTSError, match="voice not found"):
        await tts.synthesize("Hello there.")
    assert errors
    vsdk.tts_error_on_text = None
    await tts.synthesize("Hello again.")
    assert len(vsdk.of("tts")) == 2 and vsdk.of("tts")[1].types()[0] == "config"
    assert track.audio == tone_pcm("Hello again.")
    await tts.aclose()


async def test_without_tts_complete_the_synthesis_ends_after_quiet(
    vsdk: FakeVideoSDKGateway, track: RecordingTrack
) -> None:
    vsdk.tts_complete = False
    tts = make(vsdk, track, )
    tts.completion_timeout = 0.1
    await tts.synthesize("Hello there.")
    assert track.audio == tone_pcm("Hello there.")
    await tts.aclose()


async def test_a_slow_gateway_times_out(vsdk: FakeVideoSDKGateway, track: RecordingTrack) -> None:
    vsdk.tts_delay = 0.4
    tts = make(vsdk, track)
    tts.receive_timeout = 0.2
    with pytest.raises(TTSError, match="no audio within"):
        await tts.synthesize("Hello there.")
    await tts.aclose()


async def test_prewarm_opens_the_connection_and_warmup_is_an_alias(
    vsdk: FakeVideoSDKGateway, track: RecordingTrack
) -> None:
    tts = make(vsdk, track)
    await tts.warmup()
    await until(lambda: vsdk.of("tts") and vsdk.of("tts")[0].types() == ["config"])
    await tts.synthesize("Hello there.")
    assert tts.connections == 1
    await tts.aclose()
