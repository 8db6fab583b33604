"""One agent utterance on its way out: text → filter → sentences → TTS → output track.

``Speech`` owns the speaking stage for one utterance. It streams text into the TTS sentence by
sentence, so the first sentence is synthesized while the LLM is still writing, and it knows
which sentence each pushed audio sample belongs to, so after an interruption it can say exactly
what the user heard.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...text import STRONG_TERMINATORS
from ...tts import TTS, FlushMarker
from ...utils.clock import now
from ..hooks import PipelineHooks
from ..thinking.step_marker import StepEnd
from ..utterance import UtteranceHandle
from .audio_sink import UtteranceAudioSink
from .prerender import PrerenderedSource

if TYPE_CHECKING:
    from ...text import SentenceChunker, TextFilter

logger = logging.getLogger("vocalis.pipeline.speech")


MAX_LEADING_TRIM_MS = 150
"""At most this much quiet is trimmed from the start of a synthesized reply (never from
pre-rendered audio, which plays as given)."""

INJECTED_STEP = -1
"""Step number of text spoken inside an utterance by ``inject`` (recorded by its caller)."""


@dataclass
class _Sentence:
    text: str
    step: int
    start_sample: int
    end_sample: int | None = None


@dataclass
class SpeechResult:
    """What an utterance produced and what of it the user heard."""

    handle: UtteranceHandle
    text: str
    heard_text: str
    interrupted: bool
    step_texts: list[str] = field(default_factory=list)
    heard_step_texts: list[str] = field(default_factory=list)


class Speech:
    """Speaks one utterance; at most one ``Speech`` is audible at a time."""

    def __init__(
        self,
        handle: UtteranceHandle,
        *,
        tts: TTS | None,
        track: Any,
        chunker: SentenceChunker | None,
        text_filter: TextFilter | None,
        hooks: PipelineHooks,
        on_first_audio: Callable[[float], None] | None = None,
        on_text: Callable[[str], None] | None = None,
        prerendered: PrerenderedSource | None = None,
    ) -> None:
        """``prerendered`` gets the first sentence already synthesized (preemptive speech):
        when the utterance's first sentence is that text, its audio plays without the TTS."""
        self.handle = handle
        self._prerendered = prerendered
        self._tts = tts
        self._sink: UtteranceAudioSink | None = None
        self._track = track
        self._chunker = chunker
        self._filter = text_filter
        self._hooks = hooks
        self._on_first_audio = on_first_audio
        self._on_text = on_text
        self._held_text = ""
        self._sentences: list[_Sentence] = []
        self._interrupted = False
        self._played_at_interrupt: int | None = None
        self._playout_done = asyncio.get_running_loop().create_future()
        self._paused = False
        self._queue: asyncio.Queue[tuple[str, int, UtteranceHandle | None] | None] | None = None
        self._injected: list[UtteranceHandle] = []
        self._from_llm = True
        self.tts_request_at: float | None = None
        self.first_audio_at: float | None = None
        self.started_at = now()

    @property
    def interrupted(self) -> bool:
        return self._interrupted

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def has_audio(self) -> bool:
        return self._tts is not None and self._track is not None

    # ---- playing -------------------------------------------------------------------------

    async def play_text(
        self, stream: AsyncIterator[str | StepEnd], *, from_llm: bool = True
    ) -> SpeechResult:
        """Speak a stream of text deltas (with ``STEP_END`` markers) until it ends. The ``llm``
        stream hook sees the text of LLM replies (``from_llm``), not of ``say``."""
        self._from_llm = from_llm
        if not self.has_audio:
            await self._consume_without_audio(stream)
            return self._result()
        assert self._tts is not None
        self._open_output(self._tts.sample_rate, max_leading_trim_ms=MAX_LEADING_TRIM_MS)
        sentences: asyncio.Queue[tuple[str, int, UtteranceHandle | None] | None] = asyncio.Queue()
        self._queue = sentences
        pump = asyncio.ensure_future(self._pump_sentences(stream, sentences))
        try:
            await self._synthesize(self._tts_text(sentences))
            await pump
            await self._finish_playout()
        finally:
            if not pump.done():
                pump.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pump
        return self._result()

    async def play_audio(
        self, chunks: AsyncIterator[bytes], text: str, *, sample_rate: int | None = None
    ) -> SpeechResult:
        """Play pre-rendered PCM (``say(audio_data=...)``), at the output track's rate unless
        ``sample_rate`` says otherwise."""
        self._sentences.append(_Sentence(text, 0, 0))
        if self._track is None:
            return self._result()
        sink = self._open_output(sample_rate or self._track.sample_rate)
        self._track.mark_synthesis_start()
        async for chunk in chunks:
            if self._interrupted:
                break
            await sink.add_new_bytes(chunk)
        await sink.drain()
        await self._finish_playout()
        return self._result()

    def _open_output(self, source_rate: int, max_leading_trim_ms: float = 0) -> UtteranceAudioSink:
        self._sink = UtteranceAudioSink(
            self._track,
            source_rate,
            on_first_audio=self._first_audio,
            max_leading_trim_ms=max_leading_trim_ms,
        )
        self._track.on_last_audio_byte(self._on_last_audio)
        return self._sink

    def _first_audio(self, at: float) -> None:
        self.first_audio_at = at
        if self._on_first_audio is not None:
            self._on_first_audio(at)

    async def _synthesize(self, text: AsyncIterator[str | FlushMarker]) -> None:
        assert self._tts is not None and self._sink is not None
        self._tts.reset_first_audio_tracking()
        self._track.mark_synthesis_start()
        # Plugins written against the reference may write to ``tts.audio_track`` from tasks of
        # their own: the utterance's sink is also the TTS's track until the next utterance.
        self._tts.audio_track = self._sink
        try:
            if self._hooks.has_stream("tts"):
                await self._synthesize_with_hook(text)
            else:
                await self._tts.synthesize_into(self._sink, text)
            await self._sink.drain()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if self._interrupted:
                return
            raise SpeechError(f"TTS failed: {exc}") from exc

    async def _synthesize_with_hook(self, text: AsyncIterator[str | FlushMarker]) -> None:
        """The ``tts`` stream hook stands in for the TTS: its PCM (at the TTS's rate) goes to
        this utterance's sink."""
        assert self._sink is not None
        async for pcm in self._hooks.tts_stream(_strings(text)):
            if self._interrupted:
                break
            if pcm:
                await self._sink.add_new_bytes(bytes(pcm))

    async def _finish_playout(self) -> None:
        if self._interrupted:
            return
        assert self._sink is not None
        self._sink.close()
        if self._sink.pushed_samples == 0:
            self._mark_playout_done()
        else:
            self._track.mark_synthesis_complete()
        await asyncio.shield(self._playout_done)

    async def _on_last_audio(self) -> None:
        self._mark_playout_done()

    def _mark_playout_done(self) -> None:
        if not self._playout_done.done():
            self._playout_done.set_result(None)

    async def _pump_sentences(
        self,
        stream: AsyncIterator[str | StepEnd],
        out: asyncio.Queue[tuple[str, int, UtteranceHandle | None] | None],
    ) -> None:
        """LLM deltas → text filter → sentence chunker → ``llm`` stream hook → queue of
        (sentence, step), as in the reference."""
        step = 0
        try:
            source = _StepSplitter(stream)
            while not source.exhausted:
                deltas = source.next_step()
                pieces = self._sentences_of(deltas)
                if self._from_llm:
                    pieces = self._hooks.llm_stream(pieces)
                try:
                    async for piece in pieces:
                        if piece and piece.strip():
                            await out.put((piece, step, None))
                finally:
                    await _aclose(pieces)
                    async for _ in deltas:  # a hook that stopped early: skip the rest of the step
                        pass
                step += 1
        finally:
            await out.put(None)

    async def _sentences_of(self, deltas: AsyncIterator[str]) -> AsyncIterator[str]:
        """One step's deltas through the text filter and the sentence chunker."""
        if self._filter is not None:
            deltas = self._filter.filter(deltas)
        if self._chunker is None:
            async for piece in deltas:
                if piece:
                    yield piece
            return
        chunk_stream = self._chunker.stream()

        async def feed() -> None:
            try:
                async for piece in deltas:
                    await chunk_stream.push_text(piece)
            except BaseException:
                await _abort_stream(chunk_stream)  # ends the sentences; the error is re-raised
                raise
            await chunk_stream.end_input()

        feeder = asyncio.ensure_future(feed())
        try:
            async for sentence in chunk_stream:
                if sentence.strip():
                    yield sentence
            await feeder
        finally:
            if not feeder.done():
                feeder.cancel()
                await asyncio.wait([feeder])
            await _close_stream(chunk_stream)

    async def _tts_text(
        self, sentences: asyncio.Queue[tuple[str, int, UtteranceHandle | None] | None]
    ) -> AsyncIterator[str | FlushMarker]:
        """What the TTS consumes: hooked sentences, a FlushMarker after each."""
        assert self._sink is not None
        spoken_handle: UtteranceHandle | None = None
        try:
            while True:
                if spoken_handle is not None:
                    # The TTS came back for more: the injected text is synthesized. Resolve its
                    # handle now, so a tool awaiting it never waits on its own reply.
                    spoken_handle._mark_done()
                    spoken_handle = None
                item = await sentences.get()
                if item is None:
                    break
                raw, step, injected = item
                text = raw
                if injected is not None:
                    spoken_handle = injected
                    step = INJECTED_STEP
                if not text.strip():
                    continue
                if self._sentences and self._sentences[-1].end_sample is None:
                    self._sentences[-1].end_sample = self._sink.pushed_samples
                self._sentences.append(_Sentence(text, step, self._sink.pushed_samples))
                self._report_text(text, opening=len(self._sentences) == 1 and injected is None)
                if self.tts_request_at is None:
                    self.tts_request_at = now()
                if injected is None and await self._play_prerendered(text):
                    continue
                yield await self._hooks.rewrite("tts", text)
                yield FlushMarker()
        finally:
            self._report_text("", final=True)
        self._release_injected(interrupted=False)

    def _report_text(self, text: str, *, opening: bool = False, final: bool = False) -> None:
        """``AgentText`` per sentence: an opening clause the TTS got on its own ("Of course,")
        is reported with the rest of its sentence."""
        if self._on_text is None:
            return
        text = f"{self._held_text} {text}".strip() if self._held_text else text
        self._held_text = ""
        if opening and not final and text[-1:] not in STRONG_TERMINATORS:
            self._held_text = text
        elif text:
            self._on_text(text)

    async def _play_prerendered(self, text: str) -> bool:
        """Play the first sentence from its prerendered audio, when that is what it says."""
        source, self._prerendered = self._prerendered, None
        if source is None or self._sink is None:
            return False
        ready = await source()
        if ready is None or ready.text != text or not ready.pcm:
            return False
        await self._sink.add_new_bytes(ready.pcm)
        return True

    def inject(self, text: str, handle: UtteranceHandle) -> bool:
        """Speak ``text`` next, inside this utterance (a tool's "one moment, please").

        Without audio (text-mode turns) the text is only reported, so a tool that speaks
        while it works does not cut its own reply off."""
        if self._interrupted or not text.strip():
            return False
        if not self.has_audio:
            if self._on_text is not None:
                self._on_text(text.strip())
            handle._mark_done()
            return True
        if self._queue is None:
            return False
        self._injected.append(handle)
        self._queue.put_nowait((text, INJECTED_STEP, handle))
        return True

    def partial_result(self) -> SpeechResult:
        """What was produced and heard so far (after an interruption)."""
        return self._result()

    async def _consume_without_audio(self, stream: AsyncIterator[str | StepEnd]) -> None:
        step = 0
        buffer: list[str] = []
        async for item in stream:
            if isinstance(item, StepEnd):
                await self._record_plain("".join(buffer), step)
                buffer, step = [], step + 1
            else:
                buffer.append(item)
        await self._record_plain("".join(buffer), step)

    async def _record_plain(self, text: str, step: int) -> None:
        if self._from_llm and text.strip():
            text = "".join([piece async for piece in self._hooks.llm_stream(_once(text.strip()))])
        text = text.strip()
        if text:
            self._sentences.append(_Sentence(text, step, 0, 0))
            if self._on_text is not None:
                self._on_text(text)

    # ---- control -------------------------------------------------------------------------

    def pause(self) -> None:
        """Hold the agent's voice (tentative interruption); audio keeps queueing."""
        if self._track is not None and not self._paused and not self._interrupted:
            self._track.pause()
            self._paused = True

    def resume(self) -> None:
        """Continue after a false interruption."""
        if self._track is not None and self._paused and not self._interrupted:
            self._track.resume()
            self._paused = False

    async def interrupt(self) -> None:
        """Stop speaking now: fade out, drop late audio, stop synthesis, remember what was heard."""
        if self._interrupted:
            return
        self._interrupted = True
        if self._track is not None and self._sink is not None:
            played, _ = self._track.snapshot_playback()
            self._played_at_interrupt = played
            self._sink.close()
            self._track.interrupt()
            self._paused = False
        if self._tts is not None:
            try:
                await self._tts.interrupt()
            except Exception:
                logger.warning("TTS interrupt failed", exc_info=True)
        self._release_injected(interrupted=True)
        self._mark_playout_done()

    def _release_injected(self, *, interrupted: bool) -> None:
        """Resolve the handles of injected text that will not be spoken now, so a tool
        awaiting its ``say`` never waits forever."""
        for handle in self._injected:
            if not handle.done():
                if interrupted:
                    handle._mark_interrupted()
                handle._mark_done()
        self._injected.clear()

    # ---- accounting ----------------------------------------------------------------------

    def _result(self) -> SpeechResult:
        steps: dict[int, list[str]] = {}
        heard: dict[int, list[str]] = {}
        played = self._played_at_interrupt
        total = self._sink.pushed_samples if self._sink is not None else 0
        for i, sentence in enumerate(self._sentences):
            if sentence.step == INJECTED_STEP:
                continue
            steps.setdefault(sentence.step, []).append(sentence.text)
            if played is None:
                heard.setdefault(sentence.step, []).append(sentence.text)
                continue
            end = sentence.end_sample
            if end is None:
                end = self._sentences[i + 1].start_sample if i + 1 < len(self._sentences) else total
            part = _heard_part(sentence.text, sentence.start_sample, end, played)
            if part:
                heard.setdefault(sentence.step, []).append(part)
        n_steps = max(steps) + 1 if steps else 0
        step_texts = [" ".join(steps.get(i, [])) for i in range(n_steps)]
        heard_texts = [" ".join(heard.get(i, [])) for i in range(n_steps)]
        return SpeechResult(
            handle=self.handle,
            text=" ".join(t for t in step_texts if t),
            heard_text=" ".join(t for t in heard_texts if t),
            interrupted=self._interrupted,
            step_texts=step_texts,
            heard_step_texts=heard_texts,
        )


class SpeechError(Exception):
    """Speaking failed (the TTS raised)."""


def _heard_part(text: str, start: int, end: int, played: int) -> str:
    """The words of ``text`` whose audio (samples ``start..end``) was played before ``played``."""
    if played >= end:
        return text
    if played <= start or end <= start:
        return ""
    fraction = (played - start) / (end - start)
    cut = int(len(text) * fraction)
    head = text[:cut]
    if cut < len(text) and not text[cut].isspace():
        head = head.rsplit(" ", 1)[0] if " " in head else ""
    return head.strip()


class _StepSplitter:
    """Splits a stream of deltas and ``STEP_END`` markers into one async iterator per step."""

    def __init__(self, stream: AsyncIterator[str | StepEnd]) -> None:
        self._stream = stream.__aiter__()
        self.exhausted = False

    async def next_step(self) -> AsyncIterator[str]:
        while True:
            try:
                item = await self._stream.__anext__()
            except StopAsyncIteration:
                self.exhausted = True
                return
            if isinstance(item, StepEnd):
                return
            if item:
                yield item


async def _close_stream(stream: Any) -> None:
    """Close a sentence stream that may have been left mid-way (interrupted reply)."""
    close = getattr(stream, "aclose", None)
    if close is not None and not getattr(stream, "closed", False):
        await close()


async def _abort_stream(stream: Any) -> None:
    """End a sentence stream without flushing its buffer when it has ``aclose``."""
    if getattr(stream, "aclose", None) is not None:
        await _close_stream(stream)
    else:
        await stream.end_input()


async def _aclose(stream: Any) -> None:
    close = getattr(stream, "aclose", None)
    if close is not None:
        await close()


async def _once(text: str) -> AsyncIterator[str]:
    yield text


async def _strings(text: AsyncIterator[str | FlushMarker]) -> AsyncIterator[str]:
    """The text of a TTS input stream, without its segment markers."""
    async for piece in text:
        if isinstance(piece, str) and piece:
            yield piece
