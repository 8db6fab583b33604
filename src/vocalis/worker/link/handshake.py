"""The start of a call's media link: the worker dials, the front recognizes the call.

Worker → front: ``{"type": "hello", "token", "job_id", "t"}`` (``t``: the worker's clock).
Front → worker: ``{"type": "welcome", "t", "room_id", "transport", "participant_id",
"joined", "continuous"}`` or ``{"type": "close", "reason"}`` for a token it does not expect.
Worker → front: ``{"type": "clock", "offset"}``: front clock minus worker clock, estimated
from the round trip, so audio keeps its arrival stamp across machines (on one machine the
monotonic clocks agree and the offset is about zero).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Any

from ...utils.clock import now
from .stream import LinkClosed, LinkStream

HELLO_TIMEOUT = 5.0


class CallRefused(LinkClosed):
    """The front does not (or no longer) expect this call."""


@dataclass
class DialedCall:
    """A link the front accepted: the stream, the front's welcome, the clock offset."""

    link: LinkStream
    welcome: dict[str, Any]
    offset: float


async def dial_call(address: str, *, token: str, job_id: str,
                    timeout: float = HELLO_TIMEOUT) -> DialedCall:
    """Connect to the front at ``address`` and claim the call ``token`` names."""
    link = await LinkStream.dial(address, timeout=timeout)
    sent = now()
    link.send_control({"type": "hello", "token": token, "job_id": job_id, "t": sent,
                       "pid": os.getpid()})
    try:
        reply = await asyncio.wait_for(link.receive(), timeout)
    except TimeoutError:
        link.close()
        raise LinkClosed(f"the front did not answer within {timeout:g} s") from None
    received = now()
    if not isinstance(reply, dict) or reply.get("type") != "welcome":
        link.close()
        reason = reply.get("reason", "refused") if isinstance(reply, dict) else "bad reply"
        raise CallRefused(f"the front refused the call: {reason}")
    offset = float(reply.get("t", received)) - (sent + received) / 2
    link.send_control({"type": "clock", "offset": offset})
    return DialedCall(link, reply, offset)


async def read_hello(link: LinkStream, timeout: float = HELLO_TIMEOUT) -> dict[str, Any]:
    """The front's side: the worker's hello (``LinkClosed`` if it is anything else)."""
    try:
        hello = await asyncio.wait_for(link.receive(), timeout)
    except TimeoutError:
        link.close()
        raise LinkClosed("no hello") from None
    if not isinstance(hello, dict) or hello.get("type") != "hello" or not hello.get("token"):
        link.close()
        raise LinkClosed("the first message was not a hello")
    return hello
