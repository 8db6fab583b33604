"""Provider formats of a conversation: OpenAI (Chat and Responses), Anthropic, Gemini, text.

Each converter takes a sequence of chat items; ``ChatContext`` exposes them as methods.
Structural items (handoffs, config updates) and orphaned tool halves never reach a provider.
"""

from .anthropic import to_anthropic_messages
from .gemini import to_google_contents
from .openai_chat import to_openai_messages
from .openai_responses import to_openai_responses_input
from .text import render_context_as_text, render_items_as_text

__all__ = [
    "render_context_as_text",
    "render_items_as_text",
    "to_anthropic_messages",
    "to_google_contents",
    "to_openai_messages",
    "to_openai_responses_input",
]
