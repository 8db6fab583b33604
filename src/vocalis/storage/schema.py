"""The call history schema: one row per call, and its transcript, tool calls, turns, errors and
timeline events, each keyed by ``(call_id, seq)``.

``seq`` is the call's own counter, so every row has a key known before it is written: writing a
batch twice (a retry after a lost acknowledgement, a spool replay) inserts nothing twice, and
rows may arrive in any order (there are no foreign keys; the call row is inserted when the call
starts and upserted, complete, when it ends). Times are wall-clock seconds since the epoch. Changing a table means a new migration in
``migrations/versions``.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

calls = sa.Table(
    "calls",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("started_at", sa.Float, nullable=False, index=True),
    sa.Column("ended_at", sa.Float),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("end_reason", sa.Text),
    sa.Column("transport", sa.Text),
    sa.Column("room_id", sa.Text),
    sa.Column("participant", sa.Text),
    sa.Column("agent", sa.Text),
    sa.Column("pipeline_mode", sa.Text),
    sa.Column("trace_id", sa.String(32)),
    sa.Column("recording_url", sa.Text),
    sa.Column("info", sa.JSON),
    sa.Column("turn_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("interruption_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("tool_call_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("e2e_p50_ms", sa.Float),
    sa.Column("e2e_p95_ms", sa.Float),
)


def _child(name: str, *columns: sa.Column) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("call_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        *columns,
    )


transcript = _child(
    "transcript",
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("started_at", sa.Float),
    sa.Column("ended_at", sa.Float, nullable=False),
    sa.Column("interrupted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("turn_id", sa.Integer),
)

tool_calls = _child(
    "tool_calls",
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("tool_call_id", sa.Text),
    sa.Column("arguments", sa.JSON),
    sa.Column("result", sa.Text),
    sa.Column("is_error", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("duration_ms", sa.Float, nullable=False),
)

turns = _child(
    "turns",
    sa.Column("turn_id", sa.Integer, nullable=False),
    sa.Column("started_at", sa.Float),
    sa.Column("ended_at", sa.Float, nullable=False, index=True),
    sa.Column("user_text", sa.Text),
    sa.Column("agent_text", sa.Text),
    sa.Column("interrupted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("e2e_latency_ms", sa.Float),
    sa.Column("stt_final_delay_ms", sa.Float),
    sa.Column("eou_delay_ms", sa.Float),
    sa.Column("llm_ttft_ms", sa.Float),
    sa.Column("tts_ttfb_ms", sa.Float),
    sa.Column("stages", sa.JSON),
)

errors = _child(
    "errors",
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("recoverable", sa.Boolean, nullable=False, server_default=sa.true()),
)

events = _child(
    "events",
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("data", sa.JSON),
)

TABLES: dict[str, sa.Table] = {t.name: t for t in metadata.sorted_tables}
CHILD_TABLES = ("transcript", "tool_calls", "turns", "errors", "events")
LATENCY_COLUMNS = ("e2e_latency_ms", "stt_final_delay_ms", "eou_delay_ms", "llm_ttft_ms",
                   "tts_ttfb_ms")
