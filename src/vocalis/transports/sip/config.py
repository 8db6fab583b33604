"""``SIPConfig``: where the SIP transport listens, how it registers, which codecs it offers."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_CODECS: tuple[str, ...] = ("opus/48000/2", "G722/16000/1", "PCMU/8000/1", "PCMA/8000/1")
"""Offered in this order: Opus when the PJSIP build has it, G.722 wideband, then G.711 mu-law
and A-law (what every trunk speaks). Codecs the build lacks are skipped."""


@dataclass
class SIPConfig:
    """The SIP endpoint of an agent server (PJSIP through ``pjsua2``).

    ``host``/``port``: where SIP (UDP and TCP) listens; port 0 picks a free one. ``user`` is the
    local part of the agent's address (``sip:agent@host:port``). ``public_address``: the address
    written in SDP and Contact when the agent is behind NAT (default ``host``). ``rtp_port``:
    first RTP port (0: any free port). To receive calls from a PBX or trunk that needs
    registration, set ``registrar`` (``sip:pbx.example.com``), ``username`` and ``password``.
    ``codecs``: offer order (see ``DEFAULT_CODECS``). ``log_level``: PJSIP's own log verbosity
    (0-6) into the ``vocalis.sip.pjsip`` logger. ``answer_timeout``: seconds an outbound call
    may ring before it counts as not answered.
    """

    host: str = "127.0.0.1"
    port: int = 5060
    user: str = "agent"
    public_address: str | None = None
    rtp_port: int = 0
    registrar: str | None = None
    username: str | None = None
    password: str | None = None
    codecs: tuple[str, ...] = field(default=DEFAULT_CODECS)
    log_level: int = 1
    answer_timeout: float = 45.0

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535 or not 0 <= self.rtp_port <= 65535:
            raise ValueError("SIP and RTP ports must be in 0..65535")
        if self.registrar and not self.registrar.startswith(("sip:", "sips:")):
            raise ValueError(f"registrar must be a SIP URI (sip:host), got {self.registrar!r}")
        if self.answer_timeout <= 0:
            raise ValueError("answer_timeout must be > 0")
        if not self.codecs:
            raise ValueError("codecs must name at least one codec")


def parse_listen(value: str) -> tuple[str, int]:
    """``"5060"``, ``":5060"`` or ``"0.0.0.0:5060"`` as ``(host, port)`` (host defaults to
    127.0.0.1)."""
    host, _, port = value.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        raise ValueError(f"expected [HOST:]PORT, got {value!r}") from None
    return host or "127.0.0.1", number
