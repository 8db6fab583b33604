"""``SpeechInput``: the final transcripts asked for are pending until the STT's flush returns
(a local decoder's flush awaits its decode), a replaced STT's pending flushes are given up, and
a transcript reaches the turn logic with the STT's confidence in its last word."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np

from vocalis.pipeline.understanding.speech_input import SpeechInput
from vocalis.pipeline.understanding.stage import InputChunk
from vocalis.stt import STT, SpeechData, SpeechEventType, STTResponse
from vocalis.utils import run_virtual


class DecodingSTT(STT):
    """A flush that returns only once ``release`` is set, like a decode still running."""

    input_sample_rate = 16000

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.flushes = 0

    async def process_audio(self, audio_frames: bytes, language: str | None = None,
                            **kwargs: Any) -> None:
        return None

    async def flush(self) -> None:
        self.flushes += 1
        await self.release.wait()


class QuietSignals:
    async def user_speech_started(self, started_at: float | None = None) -> None:
        return None

    async def user_speech_ended(self, speech_end_at: float) -> None:
        return None

    async def user_words(self, kind: Any, text: str, confidence: float,
                         ending_confidence: float | None = None) -> None:
        return None


def _input(stt: STT, errors: list[BaseException]) -> SpeechInput:
    return SpeechInput(stt=stt, vad=None, denoise=None, signals=QuietSignals(),
                       on_error=lambda stage, exc: errors.append(exc),
                       on_drop=lambda stage, seconds: None)


async def _until(check: Any) -> None:
    while not check():
        await asyncio.sleep(0.01)


def test_transcripts_settle_when_the_stt_flush_returns() -> None:
    async def main() -> None:
        errors: list[BaseException] = []
        stt = DecodingSTT()
        speech = _input(stt, errors)
        await asyncio.wait_for(speech.transcripts_settled(), 0.1)  # nothing asked yet
        speech.push_audio(InputChunk(bytes(640), 16000, 0.0))
        speech.end_of_speech()
        settled = asyncio.ensure_future(speech.transcripts_settled())
        await asyncio.wait_for(_until(lambda: stt.flushes == 1), 1.0)
        await asyncio.sleep(5.0)
        assert not settled.done(), "settled while the flush was still decoding"
        stt.release.set()
        await asyncio.wait_for(settled, 1.0)
        await speech.aclose()
        assert errors == []

    run_virtual(main())


def test_replacing_the_stt_gives_up_its_pending_flushes() -> None:
    async def main() -> None:
        errors: list[BaseException] = []
        stt = DecodingSTT()
        speech = _input(stt, errors)
        speech.push_audio(InputChunk(bytes(640), 16000, 0.0))
        speech.end_of_speech()
        speech.push_audio(InputChunk(bytes(640), 16000, 0.1))
        speech.end_of_speech()  # queued behind the first flush, which is still decoding
        await asyncio.wait_for(_until(lambda: stt.flushes == 1), 1.0)
        settled = asyncio.ensure_future(speech.transcripts_settled())
        await asyncio.sleep(1.0)
        assert not settled.done()
        speech.replace(stt=DecodingSTT(), vad=None, denoise=None)
        await asyncio.wait_for(settled, 1.0)
        await speech.aclose()

    run_virtual(main())


class WordScoringSTT(STT):
    """Its flush sends one final transcript per entry of ``words``, scored word by word."""

    input_sample_rate = 16000

    def __init__(self, words: list[list[dict[str, Any]]]) -> None:
        super().__init__()
        self.words = words

    async def process_audio(self, audio_frames: bytes, language: str | None = None,
                            **kwargs: Any) -> None:
        return None

    async def flush(self) -> None:
        for words in self.words:
            text = " ".join(w["word"] for w in words) or "hello"
            data = SpeechData(text=text, confidence=0.9, words=words)
            assert self._transcript_callback is not None
            await self._transcript_callback(
                STTResponse(event_type=SpeechEventType.FINAL, data=data))


class RecordingSignals(QuietSignals):
    def __init__(self) -> None:
        self.words: list[tuple[str, float | None]] = []

    async def user_words(self, kind: Any, text: str, confidence: float,
                         ending_confidence: float | None = None) -> None:
        self.words.append((text, ending_confidence))


def test_a_transcript_carries_the_confidence_of_its_last_word() -> None:
    async def main() -> None:
        stt = WordScoringSTT([
            [{"word": "a", "confidence": 0.9}, {"word": "taxi", "confidence": 0.9},
             {"word": "call.", "confidence": 0.15}],
            [],  # an STT that does not score words
            [{"word": "yes"}],
            [{"word": "no", "confidence": np.float32(0.25)}],  # numpy scores count too
        ])
        signals = RecordingSignals()
        errors: list[BaseException] = []
        speech = SpeechInput(stt=stt, vad=None, denoise=None, signals=signals,
                             on_error=lambda stage, exc: errors.append(exc),
                             on_drop=lambda stage, seconds: None)
        speech.push_audio(InputChunk(bytes(640), 16000, 0.0))
        speech.end_of_speech()
        await asyncio.wait_for(_until(lambda: len(signals.words) == 4), 1.0)
        assert signals.words == [("a taxi call.", 0.15), ("hello", None), ("yes", None),
                                 ("no", 0.25)]
        await speech.aclose()
        assert errors == []

    run_virtual(main())
