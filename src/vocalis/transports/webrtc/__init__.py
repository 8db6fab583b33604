"""Browser transport: one aiortc peer connection per call, signalled by HTTP ``POST /offer``.

The browser's microphone goes to ``AgentSession.push_audio``; the session's output track is
sent back as an Opus audio track; a data channel carries transcripts, reply text, agent state,
notices and errors to the page, and typed text from it (see ``events`` for the messages).
``add_webrtc_routes(app, on_connection, options=...)`` installs it on the shared server, with
the page (``vocalis/web``) at ``/``. Needs ``pip install 'vocalis[webrtc]'`` (aiortc).
"""

from .audio_in import frame_to_mono_pcm
from .audio_out import AgentAudioTrack
from .events import NOTICE_EVENT, EventChannel
from .ice import allow_loopback_candidates, ice_configuration
from .room import WebRTCRoom
from .signalling import ConnectionHandler, WebRTCSettings, add_webrtc_routes, settings_from

__all__ = [
    "NOTICE_EVENT",
    "AgentAudioTrack",
    "ConnectionHandler",
    "EventChannel",
    "WebRTCRoom",
    "WebRTCSettings",
    "add_webrtc_routes",
    "allow_loopback_candidates",
    "frame_to_mono_pcm",
    "ice_configuration",
    "settings_from",
]
