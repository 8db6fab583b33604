"""Jobs: one entrypoint run per user connection (``JobContext``), how it connects
(``RoomOptions``), and how it is launched (``WorkerJob``)."""

from .context import JobContext, get_current_job_context
from .options import (
    AdmissionConfig,
    FileConfig,
    RoomOptions,
    TelephonyConfig,
    TransportMode,
    WebRTCConfig,
    WebSocketConfig,
)
from .runner import run_job
from .worker import Options, WorkerJob

__all__ = [
    "AdmissionConfig",
    "FileConfig",
    "JobContext",
    "Options",
    "RoomOptions",
    "TelephonyConfig",
    "TransportMode",
    "WebRTCConfig",
    "WebSocketConfig",
    "WorkerJob",
    "get_current_job_context",
    "run_job",
]
