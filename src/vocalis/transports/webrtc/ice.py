"""ICE settings: host candidates only by default, plus loopback for a browser on this machine.

aiortc falls back to Google's public STUN server when given no ICE servers, and aioice
leaves ``127.0.0.1`` out of its host candidates. On a closed network the first only delays
every answer, and on a machine whose only interface is loopback the second leaves nothing to
connect to. ``ice_configuration`` builds an explicit configuration (no STUN unless asked for);
``allow_loopback_candidates`` adds the loopback address to the host candidates.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aiortc import RTCConfiguration, RTCIceServer

_lock = threading.Lock()
_loopback_enabled = False
_original: Callable[..., list[str]] | None = None


def ice_configuration(
    ice_servers: Iterable[Mapping[str, Any] | RTCIceServer] = (),
) -> RTCConfiguration:
    """An ``RTCConfiguration`` with exactly these servers (an empty list: host candidates)."""
    servers: list[RTCIceServer] = []
    for server in ice_servers:
        if isinstance(server, RTCIceServer):
            servers.append(server)
        else:
            servers.append(
                RTCIceServer(
                    urls=server["urls"],
                    username=server.get("username"),
                    credential=server.get("credential"),
                )
            )
    return RTCConfiguration(iceServers=servers)


def allow_loopback_candidates(enabled: bool = True) -> None:
    """Offer ``127.0.0.1`` as a host candidate too (process-wide; idempotent).

    Harmless for remote peers (their checks to it fail and other pairs win); necessary when
    the browser runs on the same machine and loopback is the only interface.
    """
    global _loopback_enabled, _original
    import aioice.ice

    with _lock:
        if _original is None:
            _original = aioice.ice.get_host_addresses

            def with_loopback(use_ipv4: bool, use_ipv6: bool) -> list[str]:
                assert _original is not None
                addresses = list(_original(use_ipv4=use_ipv4, use_ipv6=use_ipv6))
                if _loopback_enabled and use_ipv4 and "127.0.0.1" not in addresses:
                    addresses.append("127.0.0.1")
                return addresses

            aioice.ice.get_host_addresses = with_loopback
        _loopback_enabled = enabled


def loopback_candidates_allowed() -> bool:
    return _loopback_enabled
