"""Runtime basics shared by every layer: events, the clock, owned background tasks."""

from .clock import VirtualTimeLoop, now, run_virtual, sleep_until
from .events import EventEmitter
from .tasks import TaskGroup

__all__ = ["EventEmitter", "TaskGroup", "VirtualTimeLoop", "now", "run_virtual", "sleep_until"]
