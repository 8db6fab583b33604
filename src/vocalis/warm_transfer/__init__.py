"""Warm transfer: brief a human supervisor on a second call, then connect the caller to them
(``session.warm_transfer(WarmTransferConfig(...))``, SIP calls). The reference's module
``agents.warm_transfer``."""

from .briefing import WarmTransferAgent
from .runner import WarmTransferRunner
from .types import (
    SIPDestination,
    WarmTransferConfig,
    WarmTransferError,
    WarmTransferPhase,
    WarmTransferResult,
)

__all__ = [
    "SIPDestination",
    "WarmTransferAgent",
    "WarmTransferConfig",
    "WarmTransferError",
    "WarmTransferPhase",
    "WarmTransferResult",
    "WarmTransferRunner",
]
