"""``vocalis gateway``: the VideoSDK gateway protocol and LiveKit's inference protocols,
served from this machine's local models (Whisper, Piper, DeepFilterNet) and relayed to any
OpenAI-compatible LLM, so agent workers share one model host.
"""

from .admission import Admission, GatewayFull
from .config import GatewayConfig
from .local_models import LocalModels
from .server import GatewayServer

__all__ = ["Admission", "GatewayConfig", "GatewayFull", "GatewayServer", "LocalModels"]
