"""``DeepgramSTT``: Deepgram Nova live transcription over ``wss://api.deepgram.com/v1/listen``.

Maps ``Results`` to INTERIM/FINAL, ``SpeechStarted`` to START and ``speech_final`` /
``UtteranceEnd`` to END, sends ``KeepAlive`` while idle, ``Finalize`` on ``flush()`` and
``CloseStream`` on close, and survives dropped connections by replaying unfinalized audio.
"""

from __future__ import annotations

import logging
from typing import Any

from ...stt.stt import SpeechData, SpeechEventType, STTError, STTResponse
from .connection import DEFAULT_CONNECT_TIMEOUT, build_url, describe_error
from .listen import DeepgramListenBase

logger = logging.getLogger("vocalis.plugins.deepgram")


class DeepgramSTT(DeepgramListenBase):
    """Streaming speech-to-text with Deepgram's ``/v1/listen`` (Nova models).

    Parameters follow the reference (same names and defaults); Vocalis adds the ones after
    ``base_url``. ``sample_rate`` is both the rate declared to Deepgram and
    ``input_sample_rate``, so the pipeline resamples to it; audio is mono.

    Differences from the reference, on purpose:

    - ``channels=1``: the pipeline delivers mono PCM (the reference hard-coded ``channels=2``).
    - Every ``SpeechStarted`` becomes a START response (the reference emitted only the second
      of two within one second, and on a global bus); ``speech_final`` and ``UtteranceEnd``
      become one END response per speech segment (the reference never reported an end).
    - ``KeepAlive`` every ``keepalive_interval`` seconds of silence on the socket, ``Finalize``
      on ``flush()``, ``CloseStream`` on ``aclose()``.
    - After a dropped connection the audio sent since the last final result is replayed on the
      new connection, and timestamps stay on one continuous stream timeline.
    - Server errors, malformed messages and failed connects are emitted as ``"error"`` with an
      ``STTError``; the session goes on.

    FINAL responses carry ``confidence``, ``words`` (dicts with ``word``, ``start``, ``end``,
    ``confidence``, ``punctuated_word``), ``start_time``/``end_time``/``duration`` in stream
    seconds and ``language``; ``metadata`` holds ``model``, ``speech_final`` and
    ``from_finalize``.
    """

    input_sample_rate = 48000

    def __init__(
        self,
        *,
        api_key: str | None = None,
        model: str = "nova-2",
        language: str = "en-US",
        interim_results: bool = True,
        punctuate: bool = True,
        smart_format: bool = True,
        sample_rate: int = 48000,
        endpointing: int | bool = 50,
        filler_words: bool = True,
        base_url: str = "wss://api.deepgram.com/v1/listen",
        vad_events: bool = True,
        utterance_end_ms: int | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        keepalive_interval: float | None = 5.0,
        close_timeout: float = 2.0,
        max_replay_seconds: float = 30.0,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            sample_rate=sample_rate,
            connect_timeout=connect_timeout,
            keepalive_interval=keepalive_interval,
            close_timeout=close_timeout,
            max_replay_seconds=max_replay_seconds,
        )
        self.model = model
        self.language = language
        self.interim_results = interim_results
        self.punctuate = punctuate
        self.smart_format = smart_format
        self.sample_rate = sample_rate
        self.endpointing = endpointing
        self.filler_words = filler_words
        self.vad_events = vad_events
        self.utterance_end_ms = utterance_end_ms
        self.request_id: str | None = None
        self._speaking = False

    def _build_url(self) -> str:
        return build_url(
            self.base_url,
            {
                "model": self.model,
                "language": self.language,
                "interim_results": self.interim_results,
                "punctuate": self.punctuate,
                "smart_format": self.smart_format,
                "encoding": "linear16",
                "sample_rate": self.sample_rate,
                "channels": 1,
                "endpointing": self.endpointing,
                "filler_words": self.filler_words,
                "vad_events": self.vad_events,
                "no_delay": True,
                "utterance_end_ms": self.utterance_end_ms,
            },
        )

    def _flush_message(self) -> dict[str, Any]:
        return {"type": "Finalize"}

    async def _send_keepalive(self) -> None:
        await self._send_json({"type": "KeepAlive"})

    async def _handle_message(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "Results":
            await self._on_results(message)
        elif kind == "SpeechStarted":
            self._speaking = True
            at = self._replay.stream_time(float(message.get("timestamp") or 0.0))
            await self._deliver(
                STTResponse(
                    event_type=SpeechEventType.START,
                    data=SpeechData(text="", language=self.language, start_time=at, end_time=at),
                    metadata={"model": self.model},
                )
            )
        elif kind == "UtteranceEnd":
            await self._end_speech(float(message.get("last_word_end") or 0.0))
        elif kind == "Metadata":
            self.request_id = message.get("request_id") or self.request_id
        elif kind == "Error":
            self._report(STTError(describe_error(message)))
        else:
            logger.debug("deepgram: ignoring %r message", kind)

    async def _on_results(self, message: dict[str, Any]) -> None:
        alternative = message["channel"]["alternatives"][0]
        transcript = str(alternative.get("transcript") or "")
        is_final = bool(message.get("is_final"))
        speech_final = bool(message.get("speech_final"))
        start = float(message.get("start") or 0.0)
        duration = float(message.get("duration") or 0.0)
        if is_final:
            self._replay.acknowledge(start + duration)
        if transcript.strip():
            self._speaking = True
            words = [self._word(w) for w in alternative.get("words") or []]
            begin = words[0]["start"] if words else self._replay.stream_time(start)
            end = words[-1]["end"] if words else self._replay.stream_time(start + duration)
            languages = alternative.get("languages") or []
            await self._deliver(
                STTResponse(
                    event_type=SpeechEventType.FINAL if is_final else SpeechEventType.INTERIM,
                    data=SpeechData(
                        text=transcript,
                        confidence=float(alternative.get("confidence") or 0.0),
                        language=languages[0] if languages else self.language,
                        start_time=begin,
                        end_time=end,
                        duration=max(0.0, end - begin),
                        words=words,
                    ),
                    metadata={
                        "model": self.model,
                        "speech_final": speech_final,
                        "from_finalize": bool(message.get("from_finalize")),
                    },
                )
            )
        if is_final and speech_final:
            await self._end_speech(start + duration)

    def _word(self, word: dict[str, Any]) -> dict[str, Any]:
        return {
            "word": str(word.get("word", "")),
            "punctuated_word": str(word.get("punctuated_word") or word.get("word", "")),
            "start": self._replay.stream_time(float(word.get("start") or 0.0)),
            "end": self._replay.stream_time(float(word.get("end") or 0.0)),
            "confidence": float(word.get("confidence") or 0.0),
        }

    async def _end_speech(self, connection_seconds: float) -> None:
        if not self._speaking:
            return
        self._speaking = False
        at = self._replay.stream_time(connection_seconds)
        await self._deliver(
            STTResponse(
                event_type=SpeechEventType.END,
                data=SpeechData(text="", language=self.language, start_time=at, end_time=at),
                metadata={"model": self.model},
            )
        )
