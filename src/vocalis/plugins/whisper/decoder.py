"""Whisper decoding on CTranslate2, several utterances (from several calls) per model call.

``WhisperDecoder.decode`` computes each utterance's log-Mel features, encodes them in one batch
and generates every transcript in one ``generate`` call, with no temperature fallback (one pass,
a bounded cost).

Whisper always decodes a 30-second window, and encoding that window is most of a decode's cost
even for a two-second question. With ``fitted_window`` (the default) the encoder runs only on the
utterance plus ``margin`` seconds of silence, and the rest of the window is filled with the
encoding of silence, computed once: a decode costs about a quarter, and the word error rate on
the measured speech stays the same (``benchmarks/whisper_decode.py``). Trimming the window
without the fill costs accuracy. The decoder then attends to ``context`` seconds of that
encoding (the utterance and silence after it, as whisper.cpp's ``audio_ctx`` does) rather than
all 30: every generated token's cross-attention reads a third as much, a decode takes about a
fifth less time, and the word error rate stays the same.
Blocking: call it from a worker thread. A CTranslate2 model is thread safe.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .model import Transcription

SAMPLE_RATE = 16000
HOP = 160  # samples per feature frame
MAX_WINDOW_SECONDS = 30.0
ENCODED_FRAMES_PER_SECOND = 50
DEFAULT_CONTEXT_SECONDS = 10.0
"""Seconds of encoded audio the decoder reads with a fitted window (at least the utterance)."""
TOKENS_PER_SECOND = 12  # generous: English speech runs at about four tokens a second
MIN_NEW_TOKENS = 24
MIN_REPEATED_WORDS = 3
"""A sentence of at least this many different words said again right after itself is a
decoding loop."""
SENTENCE_END = ".?!"

#: Whisper's rule for "this is silence": both conditions together...
NO_SPEECH_PROB = 0.6
SILENT_LOGPROB = -1.0
#: ...or a no-speech probability this high on its own (one pass decodes silence as "you" with
#: a fair log probability; real speech measured at most 0.45, silence above 0.9).
SURELY_SILENT = 0.8
PREPEND_PUNCTUATION = "\"'“¿([{-"
APPEND_PUNCTUATION = "\"'.。,，!！?？:：”)]}、"


@dataclass(frozen=True)
class DecodeOptions:
    """How to decode: requests with equal options can share one batch."""

    beam_size: int = 1
    word_timestamps: bool = False
    language: str | None = "en"


class WhisperDecoder:
    """Decodes batches of float32 16 kHz utterances with a faster-whisper ``WhisperModel``."""

    def __init__(
        self, model: Any, *, fitted_window: bool = True, margin: float = 1.0,
        context: float = DEFAULT_CONTEXT_SECONDS,
    ) -> None:
        if margin < 0 or not 0 < context <= MAX_WINDOW_SECONDS:
            raise ValueError(f"need margin >= 0 and context in (0, {MAX_WINDOW_SECONDS:g}] seconds")
        self.model = model
        self.fitted_window = fitted_window
        self.margin = margin
        self.context = context
        self._tokenizers: dict[str | None, Any] = {}
        self._suppress: list[int] | None = None
        self._silence: np.ndarray | None = None

    def decode(
        self, audios: Sequence[np.ndarray], options: DecodeOptions
    ) -> list[Transcription]:
        """One transcription per audio (at most 30 s each), in order."""
        if not audios:
            return []
        frames = [max(1, len(a) // HOP) for a in audios]
        encoded = self._encode([np.asarray(a, dtype=np.float32) for a in audios])
        languages = self._languages(encoded, len(audios), options.language)
        tokenizers = [self._tokenizer(lang) for lang in languages]
        prompts = [[*t.sot_sequence, t.no_timestamps] for t in tokenizers]
        longest = max(len(a) for a in audios) / SAMPLE_RATE
        max_new = MIN_NEW_TOKENS + math.ceil(longest * TOKENS_PER_SECOND)
        results = self.model.model.generate(
            encoded,
            prompts,
            beam_size=options.beam_size,
            max_length=min(self.model.max_length, len(prompts[0]) + max_new),
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppressed_tokens(tokenizers[0]),
        )
        texts = [without_repeated_ending([t for t in r.sequences_ids[0] if t < tok.eot], tok)
                 for r, tok in zip(results, tokenizers, strict=True)]
        words: list[list[dict[str, Any]]] = [[] for _ in audios]
        if options.word_timestamps:
            words = self._word_times(encoded, tokenizers, texts, frames)
        out = []
        for result, tokens, tok, lang, item_words, n in zip(
            results, texts, tokenizers, languages, words, frames, strict=True
        ):
            out.append(self._transcription(result, tokens, tok, lang, item_words, n))
        return out

    def _encode(self, audios: list[np.ndarray]) -> Any:
        """The encoder output of each audio, as one batch: Whisper's whole 30-second window, or
        with a fitted window the utterance's encoding followed by silence's, ``context``
        seconds in all (more when the utterance is longer)."""
        import ctranslate2

        full = int(MAX_WINDOW_SECONDS * SAMPLE_RATE)
        window = full
        if self.fitted_window:
            longest = max(len(a) for a in audios) + int(self.margin * SAMPLE_RATE)
            window = min(full, math.ceil(longest / SAMPLE_RATE) * SAMPLE_RATE)
        features = np.stack([self._features(a, window) for a in audios])
        encoded = self.model.model.encode(ctranslate2.StorageView.from_array(features))
        if window == full:
            return encoded
        part = np.asarray(encoded)
        frames = max(part.shape[1], round(self.context * ENCODED_FRAMES_PER_SECOND))
        filled = np.repeat(self._silence_encoding()[:, :frames], len(audios), axis=0)
        filled[:, : part.shape[1]] = part
        return ctranslate2.StorageView.from_array(filled)

    def _silence_encoding(self) -> np.ndarray:
        if self._silence is None:
            import ctranslate2

            full = int(MAX_WINDOW_SECONDS * SAMPLE_RATE)
            features = self._features(np.zeros(full, dtype=np.float32), full)[None]
            encoded = self.model.model.encode(ctranslate2.StorageView.from_array(features))
            self._silence = np.array(encoded)
        return self._silence

    def _features(self, audio: np.ndarray, window: int) -> np.ndarray:
        padded = np.zeros(window, dtype=np.float32)
        padded[: min(len(audio), window)] = audio[:window]
        mel = self.model.feature_extractor(padded)
        return np.ascontiguousarray(mel[:, : window // HOP], dtype=np.float32)

    def _languages(self, encoded: Any, count: int, language: str | None) -> list[str]:
        if language is not None or not self.model.model.is_multilingual:
            return [language or "en"] * count
        detected = self.model.model.detect_language(encoded)
        return [d[0][0][2:-2] for d in detected]

    def _tokenizer(self, language: str) -> Any:
        tok = self._tokenizers.get(language)
        if tok is None:
            from faster_whisper.tokenizer import Tokenizer

            tok = Tokenizer(self.model.hf_tokenizer, self.model.model.is_multilingual,
                            task="transcribe", language=language)
            self._tokenizers[language] = tok
        return tok

    def _suppressed_tokens(self, tokenizer: Any) -> list[int]:
        if self._suppress is None:
            from faster_whisper.transcribe import get_suppressed_tokens

            self._suppress = list(get_suppressed_tokens(tokenizer, [-1]))
        return self._suppress

    def _word_times(
        self, encoded: Any, tokenizers: list[Any], texts: list[list[int]], frames: list[int]
    ) -> list[list[dict[str, Any]]]:
        """Word start/end times (seconds) and probabilities from cross-attention alignment."""
        todo = [i for i, t in enumerate(texts) if t]
        out: list[list[dict[str, Any]]] = [[] for _ in texts]
        if not todo:
            return out
        import ctranslate2

        if len(todo) < len(texts):
            encoded = ctranslate2.StorageView.from_array(np.asarray(encoded)[todo])
        alignments = self.model.model.align(
            encoded, tokenizers[0].sot_sequence, [texts[i] for i in todo],
            [frames[i] for i in todo],
        )
        for i, alignment in zip(todo, alignments, strict=True):
            out[i] = _words(tokenizers[i], texts[i], alignment, self.model.tokens_per_second)
        return out

    @staticmethod
    def _transcription(
        result: Any, tokens: list[int], tokenizer: Any, language: str,
        words: list[dict[str, Any]], frames: int,
    ) -> Transcription:
        length = len(result.sequences_ids[0])
        avg_logprob = result.scores[0] * length / (length + 1)
        no_speech = float(result.no_speech_prob)
        text = tokenizer.decode(tokens).strip()
        silent = no_speech > SURELY_SILENT or (
            no_speech > NO_SPEECH_PROB and avg_logprob < SILENT_LOGPROB
        )
        if not text or silent:
            return Transcription(text="", confidence=0.0, language=language)
        confidence = math.exp(min(0.0, avg_logprob)) * (1.0 - no_speech)
        end = words[-1]["end"] if words else frames * HOP / SAMPLE_RATE
        return Transcription(text=text, confidence=confidence, language=language, words=words,
                             end=end)


def without_repeated_ending(tokens: list[int], tokenizer: Any) -> list[int]:
    """``tokens`` up to the first copy of a sentence the decoder then said again and again to
    the end (the last copy may be cut short by the length limit).

    In one pass with no fallback Whisper sometimes loops on noisy audio ("How much does the
    ticket need? How much does the ticket need?"); its compression-ratio rule misses a short
    loop. The repeated unit must be a whole sentence (it starts the transcript or follows a
    ". ? !" and ends with one) of ``MIN_REPEATED_WORDS`` different words or more, repeated at
    least once in full: repeated digits or words ("Five five five. Five five five.", "No, no,
    no.") are kept.
    """
    n = len(tokens)
    for start in _sentence_starts(tokens, tokenizer):
        for period in range(1, (n - start) // 2 + 1):
            unit = tokens[start: start + period]
            if any(tokens[i] != unit[(i - start) % period] for i in range(start + period, n)):
                continue
            text = tokenizer.decode(unit).strip()
            words = {w.strip(",.?!").lower() for w in text.split()}
            if text and text[-1] in SENTENCE_END and len(words) >= MIN_REPEATED_WORDS:
                return tokens[: start + period]
    return tokens


def _sentence_starts(tokens: list[int], tokenizer: Any) -> list[int]:
    """Indexes of the tokens that begin a sentence: the first, and each after a ". ? !"."""
    starts = [0]
    for i, token in enumerate(tokens[:-1]):
        text = tokenizer.decode([token]).strip()
        if text and text[-1] in SENTENCE_END:
            starts.append(i + 1)
    return starts


def _words(tokenizer: Any, tokens: list[int], alignment: Any, tokens_per_second: float
           ) -> list[dict[str, Any]]:
    """Words with times from one CTranslate2 alignment: Whisper's DTW jump rule, punctuation
    merged into its word, and a first word stretched over leading silence cut to a plausible
    length (as faster-whisper does)."""
    from faster_whisper.transcribe import merge_punctuations

    words, word_tokens = tokenizer.split_to_word_tokens([*tokens, tokenizer.eot])
    if len(word_tokens) <= 1 or not alignment.alignments:
        return []
    text_indices = np.array([pair[0] for pair in alignment.alignments])
    time_indices = np.array([pair[1] for pair in alignment.alignments])
    bounds = np.pad(np.cumsum([len(t) for t in word_tokens[:-1]]), (1, 0))
    jumps = np.pad(np.diff(text_indices), (1, 0), constant_values=1).astype(bool)
    times = time_indices[jumps] / tokens_per_second
    if len(times) <= int(bounds[-1]):
        return []
    probs = alignment.text_token_probs
    found = [
        {"word": w, "tokens": t, "start": float(times[a]), "end": float(times[b]),
         "confidence": float(np.mean(probs[a:b])) if b > a else 0.0}
        for w, t, a, b in zip(words[:-1], word_tokens[:-1], bounds[:-1], bounds[1:], strict=True)
    ]
    merge_punctuations(found, PREPEND_PUNCTUATION, APPEND_PUNCTUATION)
    out = [{"word": w["word"].strip(), "start": round(w["start"], 3), "end": round(w["end"], 3),
            "confidence": w["confidence"]} for w in found if w["word"].strip()]
    durations = [w["end"] - w["start"] for w in out if w["end"] > w["start"]]
    if out and durations:
        longest = 2 * min(0.7, float(np.median(durations)))
        first = out[0]
        first["start"] = round(max(first["start"], first["end"] - longest), 3)
    return out
