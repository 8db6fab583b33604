"""Transcripts reach the pipeline sanitized, whatever an STT plugin pushes."""

from __future__ import annotations

from vocalis.stt.stt import STT, SpeechData, SpeechEventType, STTResponse


class RawSTT(STT):
    """A plugin that pushes whatever text it is given, as third-party plugins do."""

    async def process_audio(self, audio_frames, language=None, **kwargs):
        text = audio_frames.decode("utf-8", "surrogateescape")
        response = STTResponse(event_type=SpeechEventType.FINAL, data=SpeechData(text=text))
        await self._transcript_callback(response)


async def test_a_transcript_with_undecodable_bytes_arrives_clean():
    stt = RawSTT()
    got: list[STTResponse] = []

    async def on_transcript(response: STTResponse) -> None:
        got.append(response)

    stt.on_stt_transcript(on_transcript)
    await stt.process_audio(b"caf\xe9 au lait\x00")
    await stt.process_audio(b"clean text")
    assert [r.data.text for r in got] == ["caf\ufffd au lait", "clean text"]
    got[0].data.text.encode("utf-8")


async def test_stream_transcribe_is_sanitized_too():
    stt = RawSTT()

    async def audio():
        yield b"bad \xff byte"

    texts = [r.data.text async for r in stt.stream_transcribe(audio())]
    assert texts == ["bad \ufffd byte"]
