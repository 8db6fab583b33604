"""``vocalis calls``: read the call history from the terminal.

``list`` shows recent calls (``--search`` matches words said, agent, transport, id),
``show ID`` one call's timeline (transcript, tool calls, events, errors) and per-turn latency,
``export`` whole records as JSON for other tools. The database is ``--database-url``, else
``VOCALIS_DATABASE_URL``, else the default SQLite file (as ``vocalis serve`` uses).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import datetime
from typing import Any, TextIO

from ..storage import CallStore, StorageConfig


def run(args: argparse.Namespace, out: TextIO) -> int:
    return asyncio.run(_run(args, out))


async def _run(args: argparse.Namespace, out: TextIO) -> int:
    config = StorageConfig(url=args.database_url or "")
    store = CallStore.from_url(config.url)
    try:
        if args.calls_command == "list":
            return await list_calls(store, args, out)
        if args.calls_command == "show":
            return await show_call(store, args, out)
        return await export_calls(store, args, out)
    finally:
        await store.aclose()


async def list_calls(store: CallStore, args: argparse.Namespace, out: TextIO) -> int:
    calls = await store.list_calls(search=args.search, limit=max(1, args.limit))
    if args.json:
        out.write(_dumps(calls) + "\n")
        return 0
    if not calls:
        out.write("no calls" + (f" matching {args.search!r}" if args.search else "") + "\n")
        return 0
    header = ("STARTED", "CALL", "AGENT", "TRANSPORT", "DURATION", "TURNS", "E2E P50",
              "INTERRUPTIONS", "ERRORS", "ENDED")
    rows = [header] + [(
        _when(c["started_at"]), c["id"][:8], c["agent"] or "-", c["transport"] or "-",
        _duration(c["ended_at"] - c["started_at"]) if c["ended_at"] else "live",
        str(c["turn_count"]), _ms(c["e2e_p50_ms"]), str(c["interruption_count"]),
        str(c["error_count"]), c["end_reason"] or c["status"],
    ) for c in calls]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        out.write("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True))
                  .rstrip() + "\n")
    return 0


async def show_call(store: CallStore, args: argparse.Namespace, out: TextIO) -> int:
    call_id = await store.find_call_id(args.call_id)
    call = await store.get_call(call_id) if call_id is not None else None
    if call is None:
        raise ValueError(f"no call {args.call_id!r} in the history")
    if args.json:
        out.write(_dumps(call) + "\n")
        return 0
    start = call["started_at"]
    out.write(f"call {call['id']}\n")
    for label, value in (
        ("agent", call["agent"]), ("transport", call["transport"]),
        ("started", _when(start)),
        ("duration", _duration(call["ended_at"] - start) if call["ended_at"] else "live"),
        ("ended", call["end_reason"] or call["status"]), ("room", call["room_id"]),
        ("participant", call["participant"]), ("pipeline", call["pipeline_mode"]),
        ("latency", f"p50 {_ms(call['e2e_p50_ms'])}, p95 {_ms(call['e2e_p95_ms'])}"),
        ("trace", call["trace_id"]), ("recording", call["recording_url"]),
    ):
        if value:
            out.write(f"  {label:<12}{value}\n")
    out.write("\ntimeline\n")
    for at, kind, text in _timeline(call):
        offset = f"+{at - start:.2f}s"
        out.write(f"  {offset:>9}  {kind:<6} {text}\n")
    turns = [t for t in call["turns"] if t["user_text"]]
    if turns:
        out.write("\nturn latency (ms)\n")
        out.write(f"  {'TURN':<5}{'E2E':>8}{'STT':>8}{'EOU':>8}{'LLM':>8}{'TTS':>8}  USER\n")
        for t in turns:
            out.write(f"  {t['turn_id']:<5}" + "".join(
                f"{_number(t[key]):>8}" for key in (
                    "e2e_latency_ms", "stt_final_delay_ms", "eou_delay_ms", "llm_ttft_ms",
                    "tts_ttfb_ms")) + f"  {_clip(t['user_text'], 60)}\n")
    return 0


def _timeline(call: dict[str, Any]) -> list[tuple[float, str, str]]:
    lines: list[tuple[float, str, str]] = []
    for t in call["transcript"]:
        cut = " [interrupted]" if t["interrupted"] else ""
        lines.append((t["started_at"] or t["ended_at"], t["role"], t["text"] + cut))
    for tool in call["tool_calls"]:
        arguments = json.dumps(tool["arguments"], ensure_ascii=False)
        outcome = "error" if tool["is_error"] else "->"
        lines.append((tool["started_at"], "tool",
                      f"{tool['name']}({arguments}) {outcome} {_clip(tool['result'] or '', 80)} "
                      f"({_ms(tool['duration_ms'])})"))
    for event in call["events"]:
        detail = f" {json.dumps(event['data'], ensure_ascii=False)}" if event["data"] else ""
        lines.append((event["at"], "event", event["kind"] + detail))
    for error in call["errors"]:
        fatal = "" if error["recoverable"] else " [fatal]"
        lines.append((error["at"], "error", f"{error['source']}: {error['message']}{fatal}"))
    return sorted(lines, key=lambda line: line[0])


async def export_calls(store: CallStore, args: argparse.Namespace, out: TextIO) -> int:
    since = time.time() - args.since_days * 86400 if args.since_days is not None else None
    ids = None
    if args.call_ids:
        ids = []
        for prefix in args.call_ids:
            call_id = await store.find_call_id(prefix)
            if call_id is None:
                raise ValueError(f"no call {prefix!r} in the history")
            ids.append(call_id)
    records = await store.export_calls(ids, since=since)
    if args.format == "jsonl":
        text = "".join(json.dumps(r, default=str, ensure_ascii=False) + "\n" for r in records)
    else:
        text = _dumps(records) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
        out.write(f"{len(records)} call(s) -> {args.output}\n")
    else:
        out.write(text)
    return 0


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=2, default=str, ensure_ascii=False)


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60}m {seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{round(value)} ms"


def _number(value: float | None) -> str:
    return "-" if value is None else str(round(value))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
