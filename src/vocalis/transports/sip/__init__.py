"""Phone calls over SIP, on PJSIP (``pjsua2``): inbound from a trunk or PBX, outbound with
``SipService.dial`` / ``vocalis dial`` / ``POST /sip/calls``, G.711 and G.722 (Opus when the
PJSIP build has it), RFC 4733 DTMF, hangup both ways, cold transfer by REFER, audio bridging.

Needs ``pip install 'vocalis[sip]'``; ``SIPConfig`` and ``parse_listen`` import without it.
"""

from __future__ import annotations

import importlib
from typing import Any

from .config import DEFAULT_CODECS, SIPConfig, parse_listen

_NEEDS_PJSUA2 = {
    "SipEndpoint": ".endpoint", "SipError": ".endpoint", "SipCallRoom": ".room",
    "SipService": ".service", "sip_routes": ".service", "sip_service": ".service",
}


def __getattr__(name: str) -> Any:
    """The PJSIP-backed names, imported on first use (``pjsua2`` is an optional dependency)."""
    module = _NEEDS_PJSUA2.get(name)
    if module is None:
        raise AttributeError(name)
    try:
        return getattr(importlib.import_module(module, __name__), name)
    except ImportError as exc:
        raise ImportError(f"SIP calls need pjsua2: pip install 'vocalis[sip]' ({exc})") from exc


__all__ = [
    "DEFAULT_CODECS",
    "SIPConfig",
    "SipCallRoom",
    "SipEndpoint",
    "SipError",
    "SipService",
    "parse_listen",
    "sip_routes",
    "sip_service",
]
