"""Call history: calls and their transcript, tool calls, turns, errors and events.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _child(name: str, *columns: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False, autoincrement=False),
        *columns,
        sa.PrimaryKeyConstraint("call_id", "seq"),
    )


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("started_at", sa.Float, nullable=False),
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
    op.create_index("ix_calls_started_at", "calls", ["started_at"])
    _child(
        "transcript",
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("started_at", sa.Float),
        sa.Column("ended_at", sa.Float, nullable=False),
        sa.Column("interrupted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("turn_id", sa.Integer),
    )
    _child(
        "tool_calls",
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("tool_call_id", sa.Text),
        sa.Column("arguments", sa.JSON),
        sa.Column("result", sa.Text),
        sa.Column("is_error", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("duration_ms", sa.Float, nullable=False),
    )
    _child(
        "turns",
        sa.Column("turn_id", sa.Integer, nullable=False),
        sa.Column("started_at", sa.Float),
        sa.Column("ended_at", sa.Float, nullable=False),
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
    op.create_index("ix_turns_ended_at", "turns", ["ended_at"])
    _child(
        "errors",
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("recoverable", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    _child(
        "events",
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("data", sa.JSON),
    )


def downgrade() -> None:
    for name in ("events", "errors", "turns", "tool_calls", "transcript"):
        op.drop_table(name)
    op.drop_index("ix_calls_started_at", table_name="calls")
    op.drop_table("calls")
