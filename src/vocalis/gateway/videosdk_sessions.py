"""The VideoSDK gateway protocol, served: ``/v1/stt``, ``/v1/tts`` and ``/v1/denoise``
WebSockets speaking the config-first JSON envelope, backed by the local models."""

from __future__ import annotations

import logging
from typing import Any

from ..stt import SpeechEventType, STTResponse
from .audio import BadAudio, Converter, decode_pcm, encode_pcm, sample_rate_of
from .channel import Channel
from .local_models import LocalModels
from .workers import Speaker, Transcriber

logger = logging.getLogger("vocalis.gateway.videosdk")


def error_envelope(text: str) -> dict[str, Any]:
    return {"type": "error", "data": {"error": text}}


def event(event_type: str, **data: Any) -> dict[str, Any]:
    return {"type": "event", "data": {"eventType": event_type, **data}}


async def _config(channel: Channel, messages: Any) -> dict[str, Any] | None:
    """The first message, which must be the config envelope."""
    message = await anext(messages, None)
    if message is None:
        return None
    if isinstance(message, dict) and message.get("type") == "config":
        data = message.get("data")
        return data if isinstance(data, dict) else {}
    await channel.error('the first message must be {"type": "config", "data": {...}}')
    return None


async def serve_stt(channel: Channel, models: LocalModels, query: dict[str, str]) -> None:
    messages = channel.messages()
    config = await _config(channel, messages)
    if config is None:
        return
    try:
        rate = sample_rate_of(config.get("input_sample_rate"), 48000)
    except BadAudio as exc:
        await channel.error(str(exc))
        return
    speaking = False
    interims = config.get("interim_results") is not False

    async def on_result(response: STTResponse) -> None:
        nonlocal speaking
        text = response.data.text.strip()
        if response.event_type is SpeechEventType.END or not text:
            return
        if not interims and response.event_type is not SpeechEventType.FINAL:
            return  # the pause decode's early text, which only interim results would carry
        if not speaking:
            speaking = True
            await channel.send(event("START_SPEECH"))
        final = response.event_type is SpeechEventType.FINAL
        await channel.send(event("TRANSCRIPT", text=text, is_final=final,
                                 confidence=round(response.data.confidence, 3),
                                 language=response.data.language or config.get("language")))
        if final:
            speaking = False
            await channel.send(event("END_SPEECH"))

    stt = models.stt(str(config.get("language") or "en"), interims=interims)
    stt.on("error", lambda exc: logger.warning("stt: %s", exc))
    transcriber = Transcriber(stt, rate, on_result)
    try:
        async for message in messages:
            if not isinstance(message, dict):
                await channel.error("binary frames are not part of this protocol")
                continue
            kind = message.get("type")
            if kind == "audio":
                try:
                    await transcriber.push(decode_pcm(message.get("data")))
                except BadAudio as exc:
                    await channel.error(str(exc))
            elif kind == "flush":
                await transcriber.finalize()
            elif kind == "stop":
                break
            elif kind != "config":
                await channel.error(f"unknown message type {kind!r}")
    finally:
        await transcriber.aclose()


async def serve_tts(channel: Channel, models: LocalModels, query: dict[str, str],
                    max_text_chars: int) -> None:
    messages = channel.messages()
    config = await _config(channel, messages)
    if config is None:
        return
    try:
        rate = sample_rate_of(config.get("sample_rate"), 24000)
    except BadAudio as exc:
        await channel.error(str(exc))
        return

    async def send(pcm: bytes) -> None:
        await channel.send({"type": "audio", "data": {"audio": encode_pcm(pcm)}})

    async def done() -> None:
        await channel.send(event("TTS_COMPLETE"))

    speaker = Speaker(models.tts(), rate, send, done)
    text = ""
    try:
        async for message in messages:
            if not isinstance(message, dict):
                await channel.error("binary frames are not part of this protocol")
                continue
            kind = message.get("type")
            if kind == "text":
                piece = message.get("data")
                if not isinstance(piece, str):
                    await channel.error("text data must be a string")
                elif len(text) + len(piece) > max_text_chars:
                    await channel.error(f"too much text before a flush (limit {max_text_chars})")
                else:
                    text += piece
            elif kind == "flush":
                if text.strip() and not speaker.speak(text):
                    await channel.error("too many flushes queued")
                elif not text.strip():
                    await done()
                text = ""
            elif kind == "interrupt":
                text = ""
                await speaker.interrupt()
            elif kind == "stop":
                break
            elif kind != "config":
                await channel.error(f"unknown message type {kind!r}")
    finally:
        await speaker.aclose()


async def serve_denoise(channel: Channel, models: LocalModels, query: dict[str, str]) -> None:
    messages = channel.messages()
    config = await _config(channel, messages)
    if config is None:
        return
    try:
        rate = sample_rate_of(config.get("sample_rate"), 48000)
    except BadAudio as exc:
        await channel.error(str(exc))
        return
    if int(config.get("channels") or 1) != 1:
        await channel.error("only mono audio is denoised (channels must be 1)")
        return
    denoiser = models.denoise()
    to_model = Converter(rate, denoiser.sample_rate)
    from_model = Converter(denoiser.sample_rate, rate)
    try:
        async for message in messages:
            if not isinstance(message, dict):
                continue
            kind = message.get("type")
            if kind == "audio":
                try:
                    pcm = decode_pcm(message.get("data"))
                except BadAudio as exc:
                    await channel.error(str(exc))
                    continue
                cleaned = from_model(await denoiser.denoise(to_model(pcm)) or b"")
                if cleaned:
                    await channel.send({"type": "audio", "data": encode_pcm(cleaned),
                                        "seq": message.get("seq")})
            elif kind == "stop":
                break
    finally:
        await denoiser.aclose()
