"""``vocalis calls list|show|export`` on a history holding two recorded calls."""

from __future__ import annotations

import asyncio
import io
import json

import pytest
from tests.storage.calls import record_call

from vocalis.cli import main
from vocalis.storage import CallStore


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """A SQLite history with a websocket call and a later Twilio call."""
    url = str(tmp_path_factory.mktemp("history") / "calls.db")
    first = record_call()
    second = record_call(agent="Concierge", transport="twilio")

    async def seed() -> None:
        store = CallStore.from_url(url)
        await store.apply(first[1] + second[1])
        await store.aclose()

    asyncio.run(seed())
    return url, first[0], second[0]


def calls(url: str, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["calls", "--database-url", url, *args], out=out)
    return code, out.getvalue()


def test_list_shows_recent_calls_and_searches(history):
    url, first, second = history
    code, out = calls(url, "list")
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:4] == ["STARTED", "CALL", "AGENT", "TRANSPORT"]
    assert second.id[:8] in lines[1] and "Concierge" in lines[1] and "twilio" in lines[1]
    assert first.id[:8] in lines[2] and "participant_left" in lines[2]
    code, out = calls(url, "list", "--search", "concierge", "--json")
    assert [c["id"] for c in json.loads(out)] == [second.id]
    code, out = calls(url, "list", "--search", "no such words")
    assert out == "no calls matching 'no such words'\n"


def test_show_prints_the_timeline_and_turn_latency(history):
    url, first, _ = history
    code, out = calls(url, "show", first.id[:10])
    assert code == 0
    assert out.startswith(f"call {first.id}\n")
    assert "  agent       Booking" in out and "  ended       participant_left" in out
    timeline = out.split("timeline\n")[1].split("\nturn latency")[0].splitlines()
    kinds = [line.split()[1] for line in timeline]
    assert kinds[:4] == ["agent", "user", "tool", "agent"]
    assert 'book_table({"name": "Ana", "people": 2, "email": "ana@example.com"}) ->' in out
    assert "event  interrupted" in out and "error  llm: upstream LLM is down" in out
    assert "[interrupted]" in out
    seconds = [float(line.split()[0].lstrip("+").rstrip("s")) for line in timeline]
    assert seconds == sorted(seconds)
    table = out.split("turn latency (ms)\n")[1].splitlines()
    assert table[0].split() == ["TURN", "E2E", "STT", "EOU", "LLM", "TTS", "USER"]
    assert "A table for two" in table[1]
    code, out = calls(url, "show", first.id, "--json")
    assert json.loads(out)["tool_calls"][0]["name"] == "book_table"


def test_show_unknown_or_ambiguous_ids_fail_clearly(history, capsys):
    url, _, _ = history
    assert calls(url, "show", "zzzz")[0] == 2
    assert "no call 'zzzz'" in capsys.readouterr().err
    assert calls(url, "show", "")[0] == 2
    assert "several calls" in capsys.readouterr().err


def test_export_writes_whole_records(history, tmp_path):
    url, first, second = history
    target = tmp_path / "calls.jsonl"
    code, out = calls(url, "export", "--format", "jsonl", "--output", str(target))
    assert code == 0 and out == f"2 call(s) -> {target}\n"
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert [r["id"] for r in records] == [first.id, second.id]
    assert {"transcript", "tool_calls", "turns", "errors", "events"} <= set(records[0])
    code, out = calls(url, "export", second.id[:8])
    assert [r["id"] for r in json.loads(out)] == [second.id]
    code, out = calls(url, "export", "--since-days", "0.0000001")
    assert json.loads(out) == []
