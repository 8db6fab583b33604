"""ICE settings: no STUN unless asked for, loopback among the host candidates when allowed."""

from __future__ import annotations

import aioice.ice

from vocalis.job import RoomOptions, WebRTCConfig
from vocalis.transports.webrtc import (
    WebRTCSettings,
    allow_loopback_candidates,
    ice_configuration,
    settings_from,
)


def test_no_ice_servers_means_host_candidates_only() -> None:
    assert ice_configuration().iceServers == []
    turn = {"urls": "turn:turn.example.org", "username": "u", "credential": "c"}
    (server,) = ice_configuration([turn]).iceServers
    assert (server.urls, server.username, server.credential) == (turn["urls"], "u", "c")


def test_the_reference_default_stun_server_is_not_used() -> None:
    assert settings_from(RoomOptions()).ice_servers == []
    assert settings_from(WebRTCConfig()).ice_servers == []
    mine = [{"urls": "stun:stun.example.org:3478"}]
    assert settings_from(RoomOptions(webrtc=WebRTCConfig(ice_servers=mine))).ice_servers == mine
    assert settings_from(None) == WebRTCSettings()


def test_loopback_joins_the_host_addresses_only_while_allowed() -> None:
    try:
        allow_loopback_candidates(True)
        assert "127.0.0.1" in aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False)
        allow_loopback_candidates(False)
        assert "127.0.0.1" not in aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False)
    finally:
        allow_loopback_candidates(True)
