"""The "call history and telemetry" flags ``serve`` and ``start`` share, and what they mean:
``add_history_arguments``, ``storage_config``, ``export_options``."""

from __future__ import annotations

import argparse
import dataclasses

from ..job.options import RoomOptions
from ..session.observability import MetricsOptions, TracesOptions
from ..storage import StorageConfig, redact_pii


def add_history_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the group to ``parser``."""
    history = parser.add_argument_group("call history and telemetry")
    history.add_argument("--database-url", default=None,
                         help="where calls are stored (default: $VOCALIS_DATABASE_URL, else "
                              "SQLite in ~/.vocalis/calls.db); postgresql://... for PostgreSQL")
    history.add_argument("--no-history", action="store_true", help="do not store calls")
    history.add_argument("--retention-days", type=float, default=30.0,
                         help="delete calls older than this (30; 0 keeps them)")
    history.add_argument("--redact-pii", action="store_true",
                         help="remove e-mails, card and phone numbers before storing")
    history.add_argument("--otlp", default=None, metavar="URL",
                         help="export traces and metrics to this OTLP/HTTP collector (default: "
                              "the agent's observability options, or $OTEL_EXPORTER_OTLP_ENDPOINT)")


def storage_config(args: argparse.Namespace) -> StorageConfig:
    """The call history settings from the flags."""
    return StorageConfig(
        url=args.database_url or "",
        retention_days=args.retention_days or None,
        redact=redact_pii if args.redact_pii else None,
    )


def export_options(options: RoomOptions, url: str | None) -> RoomOptions:
    """``options`` exporting traces and metrics to ``url`` where they do not say otherwise."""
    if url is None:
        return options
    return dataclasses.replace(
        options,
        traces=options.traces or TracesOptions(export_url=url),
        metrics=options.metrics or MetricsOptions(export_url=url),
    )
