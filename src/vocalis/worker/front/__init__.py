"""The front: transports in this process, calls on workers (``FrontServer``, ``CallBridge``,
``relay_call``)."""

from .bridge import CallBridge, Dispatcher, FrontCall
from .relay import relay_call
from .server import FrontServer

__all__ = ["CallBridge", "Dispatcher", "FrontCall", "FrontServer", "relay_call"]
