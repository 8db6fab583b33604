"""The ``vocalis`` command: help, run on a file, console text mode, serve."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import io
import json
import os
import re

import pytest
from tests.transports.ws_client import connect, wait_for

from vocalis.audio import read_wav, write_wav
from vocalis.cli import build_parser, commands, main
from vocalis.cli.loader import AgentFileError, load_agent_file
from vocalis.testing import UserScript

AGENT_FILE = os.path.join(os.path.dirname(__file__), "agent_file.py")


def test_help_explains_the_subcommands_with_examples(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for word in ("serve", "console", "run", "AGENT_FILE", "async def entrypoint",
                 "vocalis run agent.py --input"):
        assert word in text


def test_bad_agent_files_are_explained(tmp_path, capsys):
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    assert main(["run", str(empty), "--input", "a.wav", "--output", "b.wav"]) == 2
    assert "async def entrypoint" in capsys.readouterr().err
    with pytest.raises(AgentFileError, match="not found"):
        load_agent_file(str(tmp_path / "missing.py"))


def test_run_writes_agent_audio_and_transcript(tmp_path):
    source = tmp_path / "in.wav"
    write_wav(source, UserScript().says("book a table", at=0.5).audio(0, 2.0, 16000), 16000)
    out = io.StringIO()
    code = main(["run", AGENT_FILE, "--input", str(source), "--output",
                 str(tmp_path / "out.wav"), "--transcript", str(tmp_path / "t.json"),
                 "--virtual-clock"], out=out)
    assert code == 0, out.getvalue()
    turns = json.loads((tmp_path / "t.json").read_text())["turns"]
    assert [t["text"] for t in turns] == ["book a table", "You said: book a table."]
    pcm, rate = read_wav(tmp_path / "out.wav")
    assert rate == 24000 and len(pcm) > 2 * 24000 * 2
    assert "1 user turn(s), 1 agent repl(ies)" in out.getvalue()


def test_console_text_mode_reads_stdin(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("hello there\nwhat now\n"))
    out = io.StringIO()
    assert main(["console", AGENT_FILE, "--text"], out=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[1:] == ["agent: You said: hello there.", "agent: You said: what now."]


def test_serve_off_loopback_needs_a_token(capsys, monkeypatch):
    monkeypatch.delenv(commands.TOKEN_ENV, raising=False)
    assert main(["serve", AGENT_FILE, "--host", "0.0.0.0"]) == 2
    assert "--token" in capsys.readouterr().err
    agent = load_agent_file(AGENT_FILE)
    args = argparse.Namespace(host="0.0.0.0", port=9000, token="auto")
    out = io.StringIO()
    options = commands.serve_options(agent, args, out)
    assert options.access_token and options.access_token in out.getvalue()
    assert options.websocket.port == 9000


async def test_serve_answers_on_the_printed_websocket_url():
    agent = load_agent_file(AGENT_FILE)
    out = io.StringIO()
    args = build_parser().parse_args(["serve", AGENT_FILE, "--port", "0"])
    task = asyncio.ensure_future(commands.serve(agent, args, out))
    try:
        assert await wait_for(lambda: "WebSocket:" in out.getvalue(), 5.0)
        url = re.search(r"WebSocket:\s+(\S+)", out.getvalue()).group(1)
        assert "/twilio" in out.getvalue()
        async with connect(url) as (ws, got):
            await ws.send_str(json.dumps({"type": "text", "text": "are you there"}))
            assert await wait_for(lambda: got.transcripts("agent"), 3.0)
            assert got.transcripts("agent") == ["You said: are you there."]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_serve_records_every_call_and_serves_the_dashboard(tmp_path):
    from aiohttp import ClientSession

    from vocalis.storage import CallStore

    agent = load_agent_file(AGENT_FILE)
    out = io.StringIO()
    database = tmp_path / "calls.db"
    args = build_parser().parse_args(["serve", AGENT_FILE, "--port", "0", "--database-url",
                                      str(database), "--redact-pii", "--token", "s3cret"])
    task = asyncio.ensure_future(commands.serve(agent, args, out))
    try:
        assert await wait_for(lambda: "history:" in out.getvalue(), 10.0)
        url = re.search(r"WebSocket:\s+(\S+)", out.getvalue()).group(1).replace("TOKEN", "s3cret")
        dashboard = re.search(r"dashboard:\s+(\S+)", out.getvalue()).group(1)
        assert str(database) in out.getvalue()
        async with connect(url) as (ws, got):
            await ws.send_str(json.dumps({"type": "text", "text": "mail me at a@b.co"}))

            def spoke_and_stopped() -> bool:
                states = [m["state"] for m in got.of_type("agent_state")]
                return "speaking" in states and states[-1] in ("idle", "listening")

            assert await wait_for(spoke_and_stopped, 10.0)
        async with ClientSession() as http:
            async with http.get(dashboard.replace("TOKEN", "wrong")) as response:
                assert response.status == 401
            async with http.get(dashboard.replace("TOKEN", "s3cret")) as response:
                assert response.status == 200 and "Live calls" in await response.text()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    store = CallStore.from_url(str(database))
    try:
        (call,) = await store.list_calls()
        record = await store.get_call(call["id"])
    finally:
        await store.aclose()
    assert call["status"] == "ended" and call["transport"] == "websocket"
    assert [line["text"] for line in record["transcript"]] == [
        "mail me at [email]", "You said: mail me at [email]."]


def test_serve_capacity_option_sets_admission_control():
    agent = load_agent_file(AGENT_FILE)

    def options(*extra: str):
        args = build_parser().parse_args(["serve", AGENT_FILE, *extra])
        return commands.serve_options(agent, args, io.StringIO()).admission

    measured = options()
    assert measured.enabled and measured.max_calls is None
    assert options("--capacity", "12").max_calls == 12
    assert options("--capacity", "off").enabled is False
    assert options("--capacity", "auto").max_calls is None
    for bad in ("0", "many", "-3"):
        with pytest.raises(ValueError, match="--capacity"):
            options("--capacity", bad)
    if importlib.util.find_spec("piper") is not None:  # vocalis[local]: Piper says "busy"
        assert type(measured.busy_voice).__name__ == "PiperTTS"
    else:
        assert measured.busy_voice is None


def test_serve_and_start_take_the_same_history_and_telemetry_flags():
    flags = ["--database-url", "postgresql://db/calls", "--retention-days", "7", "--redact-pii",
             "--no-history", "--otlp", "http://collector:4318"]
    names = ("database_url", "retention_days", "redact_pii", "no_history", "otlp")
    parse = build_parser().parse_args
    for given in ([], flags):
        serve, start = (parse([command, AGENT_FILE, *given]) for command in ("serve", "start"))
        assert [getattr(serve, n) for n in names] == [getattr(start, n) for n in names]
    assert parse(["start", AGENT_FILE, *flags]).otlp == "http://collector:4318"
