"""The media hop between a front's transport and a worker's job: one framed connection per
call (``codec``, ``stream``), the worker's ``LinkedRoom`` and the front's ``RemoteSession``,
the front's ``LinkListener`` and the ``handshake`` between them."""

from .linked_room import LinkedRoom
from .listener import IncomingLink, LinkListener
from .remote_session import RemoteSession, RemoteTrack
from .stream import LinkClosed, LinkStream

__all__ = ["IncomingLink", "LinkClosed", "LinkListener", "LinkStream", "LinkedRoom",
           "RemoteSession", "RemoteTrack"]
