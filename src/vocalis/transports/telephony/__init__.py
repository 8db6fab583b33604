"""Telephony over Twilio Media Streams: mu-law 8 kHz audio, marks, barge-in ``clear``, DTMF.

Mounted at ``/twilio`` by the agent server (``TelephonyConfig.path``).
"""

from . import mulaw
from .protocol import StreamStart
from .room import TwilioMediaStreamRoom, handle_twilio_stream, telephony_routes

__all__ = [
    "StreamStart",
    "TwilioMediaStreamRoom",
    "handle_twilio_stream",
    "mulaw",
    "telephony_routes",
]
