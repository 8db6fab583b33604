"""``DeepgramSTTV2``: Deepgram Flux turn-based transcription over ``wss://api.deepgram.com/v2/listen``.

Maps Flux ``TurnInfo`` events to STT responses (``StartOfTurn`` → START, ``Update`` → INTERIM,
``EagerEndOfTurn`` → PREFLIGHT, ``TurnResumed`` → INTERIM marked ``turn_resumed``,
``EndOfTurn`` → FINAL then END), streams audio in exact 100 ms chunks, and shares keepalive,
reconnect-with-replay and error handling with ``DeepgramSTT``.
"""

from __future__ import annotations

import logging
from typing import Any

from ...stt.stt import SpeechData, SpeechEventType, STTError, STTResponse
from .connection import DEFAULT_CONNECT_TIMEOUT, build_url, describe_error
from .listen import DeepgramListenBase

logger = logging.getLogger("vocalis.plugins.deepgram")


class DeepgramSTTV2(DeepgramListenBase):
    """Streaming speech-to-text with end-of-turn detection, Deepgram Flux (``/v2/listen``).

    Parameters follow the reference (same names and defaults); Vocalis adds the ones after
    ``enable_preemptive_generation``. Audio is 16-bit mono at ``target_sample_rate``, which is
    this plugin's ``input_sample_rate``: the pipeline resamples to it. The reference's
    ``input_sample_rate`` argument (the rate it resampled *from*, by hand) is accepted for
    compatibility and only recorded as ``source_sample_rate``.

    Responses:

    - ``StartOfTurn`` → START.
    - ``Update`` → INTERIM with the turn's transcript so far (the reference dropped these).
    - ``EagerEndOfTurn`` → PREFLIGHT, when ``enable_preemptive_generation`` is on.
    - ``TurnResumed`` → INTERIM with ``metadata["turn_resumed"] = True``, when
      ``enable_preemptive_generation`` is on: the user kept talking, so any reply prepared from
      the PREFLIGHT must be discarded. Sent even when the transcript is empty.
    - ``EndOfTurn`` → FINAL (non-empty transcripts), then END.

    ``confidence`` is Flux's ``end_of_turn_confidence``; times are stream seconds; ``language``
    is the first detected language when Flux reports one. ``metadata`` holds ``model``,
    ``turn_index`` and ``event``.

    Control messages follow Deepgram's v2 protocol (and the deepgram-sdk models):
    ``flush()`` sends ``ForceEndTurn``; ``aclose()`` sends ``ForceEndTurn`` if a turn is open
    (Flux's ``CloseStream`` does not finalize it) and then ``CloseStream`` (the reference sent
    ``Terminate``, which the v2 protocol does not define). Flux has no ``KeepAlive`` message, so
    while idle the client sends one chunk of silence every ``keepalive_interval`` seconds.
    """

    input_sample_rate = 16000

    def __init__(
        self,
        *,
        api_key: str | None = None,
        model: str = "flux-general-en",
        input_sample_rate: int = 48000,
        target_sample_rate: int = 16000,
        eager_eot_threshold: float = 0.6,
        eot_threshold: float = 0.8,
        eot_timeout_ms: int = 7000,
        base_url: str = "wss://api.deepgram.com/v2/listen",
        enable_preemptive_generation: bool = False,
        chunk_ms: int = 100,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        keepalive_interval: float | None = 5.0,
        close_timeout: float = 2.0,
        max_replay_seconds: float = 30.0,
    ) -> None:
        chunk_bytes = int(target_sample_rate * chunk_ms / 1000) * 2
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            sample_rate=target_sample_rate,
            connect_timeout=connect_timeout,
            keepalive_interval=keepalive_interval,
            close_timeout=close_timeout,
            max_replay_seconds=max_replay_seconds,
            chunk_bytes=chunk_bytes,
        )
        self.model = model
        self.source_sample_rate = input_sample_rate
        self.target_sample_rate = target_sample_rate
        self.eager_eot_threshold = eager_eot_threshold
        self.eot_threshold = eot_threshold
        self.eot_timeout_ms = eot_timeout_ms
        self.enable_preemptive_generation = enable_preemptive_generation
        self.chunk_bytes = chunk_bytes
        self.request_id: str | None = None
        self._in_turn = False

    def _build_url(self) -> str:
        return build_url(
            self.base_url,
            {
                "model": self.model,
                "encoding": "linear16",
                "sample_rate": self.target_sample_rate,
                "eot_threshold": self.eot_threshold,
                "eot_timeout_ms": self.eot_timeout_ms,
                "eager_eot_threshold": self.eager_eot_threshold,
            },
        )

    def _flush_message(self) -> dict[str, Any]:
        return {"type": "ForceEndTurn"}

    def _close_messages(self) -> list[dict[str, Any]]:
        closing = [{"type": "CloseStream"}]
        return [{"type": "ForceEndTurn"}, *closing] if self._in_turn else closing

    async def _send_keepalive(self) -> None:
        self._replay.append(bytes(self.chunk_bytes))
        await self._pump()

    async def _handle_message(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "TurnInfo":
            await self._on_turn_info(message)
        elif kind == "Connected":
            self.request_id = message.get("request_id") or self.request_id
        elif kind == "Error":
            self._report(STTError(describe_error(message)))
        elif kind == "Warning":
            logger.warning("deepgram flux warning: %s", describe_error(message))
        else:
            logger.debug("deepgram: ignoring %r message", kind)

    async def _on_turn_info(self, message: dict[str, Any]) -> None:
        event = message["event"]
        transcript = str(message.get("transcript") or "")
        if event == "StartOfTurn":
            self._in_turn = True
            await self._deliver(self._response(SpeechEventType.START, message, text=""))
        elif event == "Update":
            self._in_turn = True
            if transcript.strip():
                await self._deliver(self._response(SpeechEventType.INTERIM, message))
        elif event == "EagerEndOfTurn":
            if self.enable_preemptive_generation and transcript.strip():
                await self._deliver(self._response(SpeechEventType.PREFLIGHT, message))
        elif event == "TurnResumed":
            if self.enable_preemptive_generation:
                await self._deliver(
                    self._response(SpeechEventType.INTERIM, message, turn_resumed=True)
                )
        elif event == "EndOfTurn":
            self._in_turn = False
            self._replay.acknowledge(float(message.get("audio_window_end") or 0.0))
            if transcript.strip():
                await self._deliver(self._response(SpeechEventType.FINAL, message))
            await self._deliver(self._response(SpeechEventType.END, message, text=""))
        else:
            logger.debug("deepgram: ignoring TurnInfo event %r", event)

    def _response(
        self,
        kind: SpeechEventType,
        message: dict[str, Any],
        *,
        text: str | None = None,
        turn_resumed: bool = False,
    ) -> STTResponse:
        start = self._replay.stream_time(float(message.get("audio_window_start") or 0.0))
        end = self._replay.stream_time(float(message.get("audio_window_end") or 0.0))
        languages = message.get("languages") or []
        metadata: dict[str, Any] = {
            "model": self.model,
            "event": message.get("event"),
            "turn_index": message.get("turn_index"),
        }
        if turn_resumed:
            metadata["turn_resumed"] = True
        words = [self._word(w) for w in message.get("words") or []]
        return STTResponse(
            event_type=kind,
            data=SpeechData(
                text=str(message.get("transcript") or "") if text is None else text,
                confidence=float(message.get("end_of_turn_confidence") or 0.0),
                language=languages[0] if languages else None,
                start_time=start,
                end_time=end,
                duration=max(0.0, end - start),
                words=words,
            ),
            metadata=metadata,
        )

    def _word(self, word: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {
            "word": str(word.get("word", "")),
            "confidence": float(word.get("confidence") or 0.0),
        }
        for key in ("start", "end"):
            if word.get(key) is not None:
                result[key] = self._replay.stream_time(float(word[key]))
        return result
