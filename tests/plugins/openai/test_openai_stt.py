"""OpenAISTT: the realtime transcription socket (streaming) and the batch HTTP mode."""

from __future__ import annotations

import asyncio
import base64
import io
import math
import wave

import pytest
from tests.fakes.openai_http import Sleep, Status
from tests.fakes.openai_ws import Drop, Raw
from tests.plugins.openai.openai_types import assert_realtime_client_event

from vocalis.plugins.openai import OpenAISTT
from vocalis.stt.stt import SpeechEventType, STTError

FRAME = b"\x10\x00" * 480  # 20 ms at 24 kHz


async def _until(predicate, timeout: float = 2.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)


def _stt(fake, **kw):
    stt = OpenAISTT(api_key="sk-stt", base_url=fake.http_base_url, **kw)
    results, errors = [], []
    stt.on("error", errors.append)

    async def collect(response) -> None:
        results.append(response)

    stt.on_stt_transcript(collect)
    return stt, results, errors


def _appended(fake, connection: int) -> bytes:
    return b"".join(
        base64.b64decode(m["audio"]) for m in fake.connections[connection].received
        if m.get("type") == "input_audio_buffer.append"
    )


async def test_session_handshake_and_transcripts(ws_fake):
    stt, results, _ = _stt(ws_fake, interim_interval=0.0)
    await stt.process_audio(FRAME)
    conn = ws_fake.connections[0]
    assert conn.query == {"intent": "transcription"} and "OpenAI-Beta" not in conn.headers
    (update,) = ws_fake.of("session.update")
    session = update["session"]
    assert session["type"] == "transcription"
    assert session["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert session["audio"]["input"]["turn_detection"]["silence_duration_ms"] == 500
    assert session["audio"]["input"]["transcription"]["model"] == "gpt-4o-mini-transcribe"
    await ws_fake.wait_for("input_audio_buffer.append")
    ws_fake.push([
        {"type": "input_audio_buffer.speech_started", "audio_start_ms": 0, "item_id": "i1"},
        {"type": "conversation.item.input_audio_transcription.delta", "item_id": "i1",
         "content_index": 0, "delta": "hello"},
        {"type": "conversation.item.input_audio_transcription.delta", "item_id": "i1",
         "content_index": 0, "delta": " world"},
        {"type": "input_audio_buffer.speech_stopped", "audio_end_ms": 800, "item_id": "i1"},
        {"type": "conversation.item.input_audio_transcription.completed", "item_id": "i1",
         "content_index": 0, "transcript": "hello world",
         "usage": {"type": "tokens", "input_tokens": 10, "output_tokens": 2, "total_tokens": 12},
         "logprobs": [{"token": "hello", "logprob": math.log(0.9), "bytes": []},
                      {"token": " world", "logprob": math.log(0.7), "bytes": []}]},
    ])
    await _until(lambda: any(r.event_type == SpeechEventType.FINAL for r in results))
    kinds = [r.event_type for r in results]
    assert kinds == [SpeechEventType.START, SpeechEventType.INTERIM, SpeechEventType.INTERIM,
                     SpeechEventType.END, SpeechEventType.FINAL]
    assert results[2].data.text == "hello world"
    final = results[-1]
    assert final.data.text == "hello world" and final.data.confidence == pytest.approx(0.8)
    assert final.metadata["metrics"]["total_tokens"] == 12
    await stt.flush()
    await ws_fake.wait_for("input_audio_buffer.commit")
    for event in ws_fake.received:
        assert_realtime_client_event(event)
    await stt.aclose()


async def test_interims_are_throttled(ws_fake):
    stt, results, _ = _stt(ws_fake)
    await stt.process_audio(FRAME)
    ws_fake.push([
        {"type": "conversation.item.input_audio_transcription.delta", "item_id": "i",
         "content_index": 0, "delta": w} for w in ("a", "b", "c")
    ] + [{"type": "input_audio_buffer.speech_stopped", "audio_end_ms": 1, "item_id": "i"}])
    await _until(lambda: any(r.event_type == SpeechEventType.END for r in results))
    assert [r.data.text for r in results if r.event_type == SpeechEventType.INTERIM] == ["a"]
    await stt.aclose()


async def test_reconnects_after_a_drop_and_replays_untranscribed_audio(ws_fake):
    stt, results, _ = _stt(ws_fake)
    await stt.process_audio(FRAME)
    ws_fake.push([{"type": "input_audio_buffer.speech_started", "audio_start_ms": 0,
                   "item_id": "i1"}])
    await _until(lambda: results)
    speech = [bytes([n]) * 960 for n in range(1, 4)]
    for frame in speech:
        await stt.process_audio(frame)
    await _until(lambda: len(_appended(ws_fake, 0)) == 4 * 960)
    ws_fake.push([Drop()])
    await _until(lambda: not stt._socket.is_open)
    await stt.process_audio(b"\x09" * 960)
    await ws_fake.wait_connections(2)
    assert ws_fake.connections[1].received[0]["type"] == "session.update"
    await _until(lambda: len(_appended(ws_fake, 1)) == 5 * 960)
    assert _appended(ws_fake, 1) == FRAME + b"".join(speech) + b"\x09" * 960
    await stt.aclose()


async def test_transcribed_audio_is_not_replayed(ws_fake):
    stt, _, _ = _stt(ws_fake)
    await stt.process_audio(b"\x01" * 960)
    ws_fake.push([
        {"type": "input_audio_buffer.committed", "item_id": "i1"},
        {"type": "conversation.item.input_audio_transcription.completed", "item_id": "i1",
         "content_index": 0, "transcript": "x", "usage": {}},
        Drop(),
    ])
    await _until(lambda: not stt._socket.is_open)
    await stt.process_audio(b"\x02" * 960)
    await _until(lambda: len(ws_fake.connections) == 2 and _appended(ws_fake, 1))
    assert _appended(ws_fake, 1) == b"\x02" * 960
    await stt.aclose()


async def test_server_error_and_malformed_events_are_reported(ws_fake):
    stt, results, errors = _stt(ws_fake)
    await stt.process_audio(FRAME)
    ws_fake.push([
        {"type": "error", "error": {"type": "invalid_request_error", "message": "bad audio"}},
        Raw("not json"),
        {"type": "input_audio_buffer.speech_started", "audio_start_ms": 0, "item_id": "i"},
    ])
    await _until(lambda: results)
    assert [str(e) for e in errors] == ["OpenAISTT: bad audio",
                                        "OpenAISTT: malformed server event 'not json'"]
    assert all(isinstance(e, STTError) for e in errors)
    await stt.aclose()


async def test_handshake_must_start_with_session_created(ws_fake):
    ws_fake.greet = False
    stt, _, errors = _stt(ws_fake, timeout=0.3)
    await stt.process_audio(FRAME)
    assert isinstance(errors[0], STTError)
    await stt.aclose()


def test_missing_key_is_a_clear_error():
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        OpenAISTT()


# ---- batch mode ---------------------------------------------------------------------------

LOUD = (3000).to_bytes(2, "little", signed=True) * 480
QUIET = b"\x00\x00" * 480


async def test_batch_mode_cuts_an_utterance_and_uploads_it(http_fake):
    stt, results, _ = _stt_http(http_fake, prompt="names: Vocalis")
    for frame in [QUIET] * 50 + [LOUD] * 25 + [QUIET] * 45:
        await stt.process_audio(frame)
    await _until(lambda: any(r.event_type == SpeechEventType.FINAL for r in results))
    kinds = [r.event_type for r in results]
    assert kinds == [SpeechEventType.START, SpeechEventType.END, SpeechEventType.FINAL]
    assert results[-1].data.text == "hello world"
    form = http_fake.of("/audio/transcriptions")[0].form
    assert form["model"] == "gpt-4o-mini-transcribe" and form["language"] == "en"
    assert form["prompt"] == "names: Vocalis"
    with wave.open(io.BytesIO(form["file"])) as wav:
        assert wav.getframerate() == 24000 and wav.getnchannels() == 1
        seconds = wav.getnframes() / 24000
    assert 0.5 + 0.8 <= seconds <= 0.3 + 0.5 + 0.85  # pre-roll + speech + trailing silence
    await stt.aclose()


async def test_batch_flush_transcribes_now_and_errors_are_typed(http_fake):
    http_fake.transcription_replies.append([Status(500)])
    stt, _results, errors = _stt_http(http_fake)
    await stt.process_audio(LOUD)
    await stt.flush()
    assert isinstance(errors[0], STTError) and "500" in str(errors[0])
    http_fake.transcription_replies.append([Sleep(1.0)])
    slow, _, slow_errors = _stt_http(http_fake, timeout=0.2)
    await slow.process_audio(LOUD)
    await slow.flush()
    assert "timed out" in str(slow_errors[0])
    await stt.aclose()
    await slow.aclose()


def _stt_http(fake, **kw):
    stt = OpenAISTT(api_key="sk-stt", base_url=fake.base_url, enable_streaming=False, **kw)
    results, errors = [], []
    stt.on("error", errors.append)

    async def collect(response) -> None:
        results.append(response)

    stt.on_stt_transcript(collect)
    return stt, results, errors
