"""The Whisper STT's utterance buffer: where a flush cuts the caller's audio."""

from __future__ import annotations

import numpy as np

from vocalis.plugins.whisper.utterance import UtteranceBuffer

RATE = 16000


def _tone(seconds: float) -> np.ndarray:
    """A voice-like sound: a 1 kHz tone swelling and fading four times a second, loudest at its
    start and end (steady sound would be taken for background noise)."""
    t = np.arange(int(seconds * RATE)) / RATE
    envelope = 0.55 + 0.45 * np.cos(2 * np.pi * 4 * t)
    return (8000 * envelope * np.sin(2 * np.pi * 1000 * t)).astype(np.int16)


def _noise(seconds: float, dbfs: float, seed: int = 3) -> np.ndarray:
    """Steady background noise (white) at ``dbfs`` RMS."""
    noise = np.random.default_rng(seed).standard_normal(int(seconds * RATE))
    return (noise * 32768 * 10 ** (dbfs / 20)).astype(np.int16)


def _quiet(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.int16)


def _buffer(*pieces: np.ndarray) -> UtteranceBuffer:
    buffer = UtteranceBuffer(RATE, energy_threshold_db=-50.0, pre_roll=0.3)
    for piece in pieces:
        for i in range(0, len(piece), 320):
            buffer.push(piece[i : i + 320])
    return buffer


def test_words_begun_after_the_pause_the_flush_ends_on_open_the_next_utterance() -> None:
    # "wait, | st..": the VAD ended the turn on the pause; the flush arrives as "stop" begins.
    buffer = _buffer(_tone(0.5), _quiet(0.35), _tone(0.12))
    audio, start, first_id, last_voiced = buffer.take(split_late=True)
    assert start == 0 and last_voiced == int(0.5 * RATE)
    assert len(audio) < int(0.85 * RATE), "the new word's onset stayed in the ended utterance"
    assert np.abs(audio[int(0.5 * RATE):]).max() == 0, "the ended utterance holds the next word"
    assert buffer.active and buffer.utterance_id == first_id + 1
    held = buffer.audio()
    onset = int(0.85 * RATE) - buffer.start
    assert 0 < onset <= int(0.2 * RATE), "the next utterance starts well before its word"
    assert np.abs(held[onset:]).max() > 0.2


def test_last_words_after_a_pause_stay_in_the_utterance_the_flush_ends() -> None:
    # "five five five, | one" then silence: the flush ends the whole turn, "one" included.
    buffer = _buffer(_tone(0.8), _quiet(0.25), _tone(0.25), _quiet(0.35))
    audio, _, _, last_voiced = buffer.take(split_late=True)
    assert len(audio) == int(1.65 * RATE)
    assert last_voiced == int(1.3 * RATE)
    assert not buffer.active


def test_a_flush_mid_sentence_with_no_pause_keeps_the_whole_utterance() -> None:
    buffer = _buffer(_tone(1.0))
    audio, _, _, _ = buffer.take(split_late=True)
    assert len(audio) == RATE and not buffer.active


def test_at_the_end_of_input_everything_is_taken_even_a_word_after_a_pause() -> None:
    buffer = _buffer(_tone(0.8), _quiet(0.25), _tone(0.25))
    audio, _, _, _ = buffer.take()
    assert len(audio) == int(1.3 * RATE) and not buffer.active


def test_steady_background_noise_neither_opens_an_utterance_nor_hides_the_pause_after_one() -> None:
    # A call from a noisy room (noise about 25 dB under the voice, far above -50 dBFS).
    bed = _noise(4.0, -42.0)
    speech = np.zeros_like(bed)
    speech[int(2.0 * RATE) : int(3.0 * RATE)] = _tone(1.0)
    mixed = np.clip(bed.astype(np.int32) + speech, -32768, 32767).astype(np.int16)
    buffer = UtteranceBuffer(RATE, energy_threshold_db=-50.0, pre_roll=0.3)
    opened_at = None
    for i in range(0, int(3.3 * RATE), 320):
        buffer.push(mixed[i : i + 320])
        if buffer.active and opened_at is None:
            opened_at = buffer.position / RATE
    assert opened_at is not None and 2.0 <= opened_at <= 2.05, "noise opened the utterance"
    assert abs(buffer.last_voiced / RATE - 3.0) <= 0.02
    assert buffer.trailing_silence >= 0.28, "the pause after the words is not heard in the noise"
    _, start, _, _ = buffer.take()
    assert start / RATE >= 1.65, "seconds of noise before the words would be decoded"
