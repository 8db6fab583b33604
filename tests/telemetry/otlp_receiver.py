"""A real OTLP/HTTP receiver for tests: ``POST /v1/traces``, ``/v1/metrics`` and ``/v1/logs``
with protobuf bodies, decoded with ``opentelemetry-proto`` (the collector's own message types).

No OpenTelemetry collector binary is packaged for apt or PyPI, so the tests run this endpoint:
it checks the content type, decodes each request (gzip too), answers with the protocol's
response message, and keeps what it received. It runs its own event loop in a thread, so a
call on a virtual clock, or a blocking ``force_flush``, can export to it.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

SIGNALS = {
    "/v1/traces": (trace_service_pb2.ExportTraceServiceRequest,
                   trace_service_pb2.ExportTraceServiceResponse),
    "/v1/metrics": (metrics_service_pb2.ExportMetricsServiceRequest,
                    metrics_service_pb2.ExportMetricsServiceResponse),
    "/v1/logs": (logs_service_pb2.ExportLogsServiceRequest,
                 logs_service_pb2.ExportLogsServiceResponse),
}


def value_of(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [value_of(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: value_of(kv.value) for kv in value.kvlist_value.values}
    return getattr(value, kind) if kind else None


def attributes(items: Any) -> dict[str, Any]:
    return {kv.key: value_of(kv.value) for kv in items}


@dataclass
class Span:
    name: str
    trace_id: str
    span_id: str
    parent_id: str
    start_ns: int
    end_ns: int
    attributes: dict[str, Any]
    events: list[tuple[str, dict[str, Any]]]
    resource: dict[str, Any]

    @property
    def seconds(self) -> float:
        return (self.end_ns - self.start_ns) / 1e9


@dataclass
class OTLPReceiver:
    """Start with ``start()``; ``url`` is the base URL to give an exporter."""

    requests: dict[str, list[Any]] = field(default_factory=lambda: {p: [] for p in SIGNALS})
    headers: list[dict[str, str]] = field(default_factory=list)
    port: int = 0

    def start(self) -> OTLPReceiver:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the OTLP receiver did not start")
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/v1/{signal}", self._handle)
        self._runner = web.AppRunner(app)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        self._loop.run_until_complete(site.start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    async def _handle(self, request: web.Request) -> web.Response:
        path = request.path
        if path not in SIGNALS:
            return web.Response(status=404)
        if request.content_type != "application/x-protobuf":
            return web.Response(status=415, text="expected application/x-protobuf")
        body = await request.read()
        if request.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        message_type, response_type = SIGNALS[path]
        message = message_type()
        message.ParseFromString(body)
        self.requests[path].append(message)
        self.headers.append(dict(request.headers))
        return web.Response(body=response_type().SerializeToString(),
                            content_type="application/x-protobuf")

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    # ---- what was received ---------------------------------------------------------------------

    def spans(self) -> list[Span]:
        found = []
        for request in self.requests["/v1/traces"]:
            for resource_spans in request.resource_spans:
                resource = attributes(resource_spans.resource.attributes)
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        found.append(Span(
                            name=span.name, trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(), parent_id=span.parent_span_id.hex(),
                            start_ns=span.start_time_unix_nano, end_ns=span.end_time_unix_nano,
                            attributes=attributes(span.attributes),
                            events=[(e.name, attributes(e.attributes)) for e in span.events],
                            resource=resource,
                        ))
        return found

    def metrics(self) -> dict[str, list[Any]]:
        """Every data point received, by metric name (histograms and sums alike)."""
        found: dict[str, list[Any]] = {}
        for request in self.requests["/v1/metrics"]:
            for resource_metrics in request.resource_metrics:
                for scope_metrics in resource_metrics.scope_metrics:
                    for metric in scope_metrics.metrics:
                        kind = metric.WhichOneof("data")
                        points = getattr(metric, kind).data_points
                        found.setdefault(metric.name, []).extend(points)
        return found

    def logs(self) -> list[Any]:
        found = []
        for request in self.requests["/v1/logs"]:
            for resource_logs in request.resource_logs:
                for scope_logs in resource_logs.scope_logs:
                    found.extend(scope_logs.log_records)
        return found
