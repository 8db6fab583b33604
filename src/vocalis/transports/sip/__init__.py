"""Phone calls over SIP, on PJSIP (``pjsua2``): inbound from a trunk or PBX, outbound with
``SipService.dial`` / ``vocalis dial`` / ``POST /sip/calls``, G.711 and G.722 (Opus when the
PJSIP build has it), RFC 4733 DTMF, hangup both ways, cold transfer by REFER, audio bridging.

Needs ``pip install 'vocalis[sip]'``.
"""

from ...telephony.errors import TransferError
from .config import DEFAULT_CODECS, SIPConfig, parse_listen
from .endpoint import SipEndpoint, SipError
from .room import SipCallRoom
from .service import SipService, sip_routes, sip_service

__all__ = [
    "DEFAULT_CODECS",
    "SIPConfig",
    "SipCallRoom",
    "SipEndpoint",
    "SipError",
    "SipService",
    "TransferError",
    "parse_listen",
    "sip_routes",
    "sip_service",
]
