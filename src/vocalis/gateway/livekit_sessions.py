"""LiveKit's inference protocols, served: the ``/stt`` and ``/tts`` WebSockets
(``session.create`` first), backed by the local models."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from ..stt import SpeechEventType, STTResponse
from .audio import BadAudio, decode_pcm, encode_pcm, sample_rate_of
from .channel import Channel
from .local_models import LocalModels
from .workers import Speaker, Transcriber

logger = logging.getLogger("vocalis.gateway.livekit")


def error_message(text: str, code: int = 400) -> dict[str, Any]:
    return {"type": "error", "message": text, "code": code}


async def _session_create(channel: Channel, messages: Any) -> dict[str, Any] | None:
    message = await anext(messages, None)
    if isinstance(message, dict) and message.get("type") == "session.create":
        return message
    if message is not None:
        await channel.error('the first message must be {"type": "session.create", ...}')
    return None


async def serve_stt(channel: Channel, models: LocalModels, query: dict[str, str]) -> None:
    messages = channel.messages()
    create = await _session_create(channel, messages)
    if create is None:
        return
    settings = create.get("settings") if isinstance(create.get("settings"), dict) else {}
    try:
        rate = sample_rate_of(settings.get("sample_rate"), 16000)
    except BadAudio as exc:
        await channel.error(str(exc))
        return
    if settings.get("encoding", "pcm_s16le") != "pcm_s16le":
        await channel.error("only pcm_s16le audio is accepted")
        return
    session_id = uuid.uuid4().hex
    await channel.send({"type": "session.created", "session_id": session_id})
    language = settings.get("language")

    async def on_result(response: STTResponse) -> None:
        data = response.data
        kind = {SpeechEventType.INTERIM: "interim_transcript",
                SpeechEventType.PREFLIGHT: "preflight_transcript",
                SpeechEventType.FINAL: "final_transcript"}.get(response.event_type)
        if kind is None or not data.text.strip():
            return
        await channel.send({
            "type": kind, "session_id": session_id, "transcript": data.text.strip(),
            "language": data.language or language or "", "start": data.start_time,
            "duration": data.duration, "confidence": round(data.confidence, 3),
            "words": [{"word": w.get("word", "").strip(), "start": w.get("start", 0.0),
                       "end": w.get("end", 0.0), "confidence": w.get("probability", 1.0)}
                      for w in data.words],
            "request_id": session_id,
        })

    extra = settings.get("extra") if isinstance(settings.get("extra"), dict) else {}
    interims = settings.get("interim_results", extra.get("interim_results")) is not False
    stt = models.stt(str(language) if language else None, interims=interims)
    stt.on("error", lambda exc: logger.warning("stt: %s", exc))
    transcriber = Transcriber(stt, rate, on_result)
    try:
        async for message in messages:
            if not isinstance(message, dict):
                await channel.error("audio goes as input_audio JSON messages")
                continue
            kind = message.get("type")
            if kind == "input_audio":
                try:
                    await transcriber.push(decode_pcm(message.get("audio")))
                except BadAudio as exc:
                    await channel.error(str(exc))
            elif kind == "session.finalize":
                await transcriber.finalize()
                await channel.send({"type": "session.finalized", "session_id": session_id})
            elif kind == "session.update":
                pass  # one local model: model and language changes do not apply
            else:
                await channel.error(f"unknown message type {kind!r}")
    finally:
        await transcriber.aclose()
        await channel.send({"type": "session.closed", "session_id": session_id})


async def serve_tts(channel: Channel, models: LocalModels, query: dict[str, str],
                    max_text_chars: int) -> None:
    messages = channel.messages()
    create = await _session_create(channel, messages)
    if create is None:
        return
    try:
        rate = sample_rate_of(create.get("sample_rate"), 24000)
    except BadAudio as exc:
        await channel.error(str(exc))
        return
    session_id = uuid.uuid4().hex

    async def send(pcm: bytes) -> None:
        await channel.send({"type": "output_audio", "session_id": session_id,
                            "audio": encode_pcm(pcm)})

    async def done() -> None:
        await channel.send({"type": "done", "session_id": session_id})

    speaker = Speaker(models.tts(), rate, send, done)
    text = ""
    try:
        async for message in messages:
            if not isinstance(message, dict):
                continue
            kind = message.get("type")
            if kind == "input_transcript":
                piece = message.get("transcript")
                if not isinstance(piece, str):
                    await channel.error("transcript must be a string")
                elif len(text) + len(piece) > max_text_chars:
                    await channel.error(f"too much text before a flush (limit {max_text_chars})")
                else:
                    text += piece
            elif kind == "session.flush":
                if text.strip():
                    speaker.speak(text)
                else:
                    await done()
                text = ""
            else:
                await channel.error(f"unknown message type {kind!r}")
    finally:
        await speaker.aclose()
