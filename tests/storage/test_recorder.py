"""What a call leaves in the history: the rows the recorder writes from the session's events."""

from __future__ import annotations

import json

from tests.storage.calls import Booking, record_call

from vocalis.session.call_info import CallInfo
from vocalis.storage import CallRecorder, redact_pii
from vocalis.testing import FakeLLM, ScriptedCall, UserScript
from vocalis.utils import run_virtual


def rows(writes, table):
    return [w.row for w in writes if w.table == table]


def test_a_call_is_recorded_with_timestamps_tools_turns_errors_and_events():
    info, writes, record = record_call()
    first, last = writes[0], writes[-1]
    assert (first.table, first.upsert, first.row["status"]) == ("calls", False, "live")
    assert (last.table, last.upsert, last.row["status"]) == ("calls", True, "ended")
    call = last.row
    assert call["id"] == info.id and call["end_reason"] == "participant_left"
    assert call["transport"] == "websocket" and call["room_id"] == "room-7"
    assert call["agent"] == "Booking" and call["participant"] == "user_1"
    assert call["info"]["components"]["llm"] == "FakeLLM"
    assert call["info"]["metadata"] == {"remote": "::1"}
    assert abs(call["ended_at"] - call["started_at"] - 16.0) < 0.1

    transcript = rows(writes, "transcript")
    assert [(t["role"], t["text"]) for t in transcript] == [
        ("agent", "Hello, Luigi's."),
        ("user", "A table for two, name Ana, mail ana@example.com"),
        ("agent", "Booked for two, Ana."),
        ("user", "When are you open"),
        ("agent", transcript[4]["text"]),
        ("user", "Actually never mind"),
        ("agent", "Alright."),
        ("user", "Are you still there"),
        ("agent", transcript[8]["text"]),
    ]
    assert transcript[4]["interrupted"] and record.assistant_texts()[2] == transcript[4]["text"]
    # Times are wall clock: the user's first words start 2 s into the call.
    user = transcript[1]
    assert abs(user["started_at"] - info.started_at - 2.0) < 0.1
    assert user["started_at"] < user["ended_at"] < transcript[2]["started_at"]
    ends = [t["ended_at"] for t in transcript]
    assert ends == sorted(ends)

    (tool,) = rows(writes, "tool_calls")
    assert tool["name"] == "book_table"
    assert tool["arguments"] == {"name": "Ana", "people": 2, "email": "ana@example.com"}
    assert tool["result"] == "Booked for 2 under Ana; confirmation sent to ana@example.com."
    assert tool["is_error"] is False and abs(tool["duration_ms"] - 200.0) < 1.0

    turns = rows(writes, "turns")
    assert call["turn_count"] == len(turns) == 5
    answered = [t for t in turns if t["user_text"]]
    assert all(t["e2e_latency_ms"] is not None for t in answered[:3])
    booking = answered[0]
    assert booking["llm_ttft_ms"] == 200.0
    stages = booking["stages"]
    assert stages["user_speech_end"] <= stages["committed_at"] <= stages["first_audio_out_at"]
    assert stages["tools"] == [{"name": "book_table", "duration_ms": 200.0, "is_error": False}]
    assert call["e2e_p50_ms"] is not None and call["tool_call_count"] == 1

    (error,) = rows(writes, "errors")
    assert error["source"] == "llm" and "upstream LLM is down" in error["message"]
    assert call["error_count"] == 1
    kinds = [e["kind"] for e in rows(writes, "events")]
    assert kinds == ["interrupted"] and call["interruption_count"] == 1

    keys = [(w.table, w.row.get("call_id"), w.row.get("seq")) for w in writes
            if w.table != "calls"]
    assert len(set(keys)) == len(keys)


def test_the_redactor_sees_every_piece_of_text_before_it_is_written():
    seen: list[str] = []

    def redact(text: str) -> str:
        seen.append(text)
        return redact_pii(text)

    _, writes, _ = record_call(redact=redact)
    dumped = json.dumps([w.to_json() for w in writes])
    assert "ana@example.com" not in dumped
    assert dumped.count("[email]") >= 4  # transcript, turn text, tool argument, tool result
    (tool,) = rows(writes, "tool_calls")
    assert tool["arguments"]["email"] == "[email]" and tool["arguments"]["people"] == 2
    assert any("upstream LLM is down" in s for s in seen)  # error messages too


def test_a_live_call_shows_its_state_and_last_words():
    snapshots = []

    async def main():
        call = ScriptedCall(Booking(), UserScript().says("Hello there", at=3.0),
                            llm=FakeLLM(default="Hi, how can I help?"))
        recorder = CallRecorder(CallInfo.for_session(call.session), lambda w: None)
        recorder.attach(call.session.bus)
        call.session.on("user_state_changed", lambda _: snapshots.append(recorder.snapshot()))
        await call.run(until=7.0)
        return recorder

    recorder = run_virtual(main())
    assert snapshots[0]["user_state"] == "speaking"
    assert [line["text"] for line in snapshots[0]["lines"]] == ["Hello, Luigi's."]
    final = recorder.snapshot()
    assert recorder.closed and final["turn_count"] == 2
    assert [line["text"] for line in final["lines"]][-2:] == ["Hello there",
                                                              "Hi, how can I help?"]
