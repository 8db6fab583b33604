"""Tests of the WebRTC transport (aiortc on loopback)."""
