"""``Agent``: what the voice agent is (instructions and tools) and does on entry and exit.

Subclass it, write ``instructions``, decorate methods with ``@function_tool``, and override
``on_enter`` (often a greeting) and ``on_exit``. A tool that returns another ``Agent`` hands
the conversation over to it; with ``inherit_context=True`` the new agent keeps the history.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from typing import TYPE_CHECKING, Any

from ..a2a.protocol import A2AProtocol
from ..audio.background import BackgroundAudioConfig
from ..audio.clips import AGENT_KEYBOARD, OFFICE_NOISE
from ..llm.chat_context import ChatContext
from ..llm.items import ChatRole
from ..llm.tools import get_tool_info, is_function_tool
from ..mcp.manager import MCPToolManager
from ..pipeline.states import AgentState
from ..utils.events import EventEmitter

if TYPE_CHECKING:
    from ..session.session import AgentSession

logger = logging.getLogger("vocalis.agent")

BASE_VOICE_INSTRUCTIONS = (
    "You are a voice assistant. Your replies are spoken aloud, so keep them short and "
    "conversational: plain sentences, no lists, no Markdown, no emojis. Ask one question at a "
    "time. Say numbers, dates and symbols the way a person would say them."
)


class ToolList(list):  # type: ignore[type-arg]
    """The agent's tools, with lookup by name."""

    def get(self, name: str) -> Any | None:
        for tool in self:
            if get_tool_info(tool).name == name:
                return tool
        return None

    @property
    def names(self) -> list[str]:
        return [get_tool_info(t).name for t in self]


class Agent(EventEmitter[str]):
    """Base class of voice agents.

    ``mcp_servers`` are connected when the session starts (``initialize_mcp``) and their tools
    join ``tools``; ``knowledge_base`` is consulted before each LLM reply to a user turn.
    """

    #: Said (not recorded) when an MCP tool call takes longer than ``mcp_manager.hold_after``.
    tool_hold_message = "One moment while I check that."

    def __init__(
        self,
        instructions: str,
        tools: list[Any] | None = None,
        agent_id: str | None = None,
        mcp_servers: list[Any] | None = None,
        inherit_context: bool = False,
        knowledge_base: Any = None,
        use_base_instructions: bool = False,
        name: str | None = None,
    ) -> None:
        super().__init__()
        self.chat_context = ChatContext.empty()
        self._use_base_instructions = use_base_instructions
        self._instructions = ""
        self.instructions = instructions
        self._extra_tools = list(tools or [])
        self._mcp_servers = list(mcp_servers or [])
        self._mcp_initialized = False
        self.mcp_manager = MCPToolManager()
        self.mcp_manager.on_tools_changed = self._register_tools
        self.mcp_manager.on_slow_call = self._say_while_tool_runs
        self.id = agent_id or str(uuid.uuid4())
        self.a2a = A2AProtocol(self)
        self._agent_card: Any = None
        self._a2a_conversation: Any = None
        self.name = name or type(self).__name__
        self.inherit_context = inherit_context
        self.knowledge_base = knowledge_base
        self.session: AgentSession | None = None
        self._thinking_background_config: BackgroundAudioConfig | None = None
        self._tools: ToolList = ToolList()
        self._register_tools()

    # ---- instructions and tools ------------------------------------------------------------

    @property
    def instructions(self) -> str:
        if self._use_base_instructions:
            return f"{BASE_VOICE_INSTRUCTIONS}\n\n{self._instructions}"
        return self._instructions

    @instructions.setter
    def instructions(self, value: str) -> None:
        """Change the instructions; the system message in the history is replaced."""
        self._instructions = value
        self.chat_context.add_message(ChatRole.SYSTEM, self.instructions, replace=True)

    @property
    def tools(self) -> ToolList:
        return self._tools

    def update_tools(self, tools: list[Any]) -> None:
        """Replace the tools given at construction; decorated methods stay."""
        self._extra_tools = list(tools)
        self._register_tools()

    def _register_tools(self) -> None:
        found: ToolList = ToolList()
        seen: set[str] = set()
        for _, member in inspect.getmembers(self, predicate=inspect.ismethod):
            if is_function_tool(member):
                found.append(member)
        for tool in self._extra_tools:
            if not is_function_tool(tool):
                raise ValueError(f"Tool {getattr(tool, '__name__', tool)!r} is not a valid FunctionTool")
            found.append(tool)
        found.extend(self.mcp_manager.tools)
        unique: ToolList = ToolList()
        for tool in found:
            name = get_tool_info(tool).name
            if name not in seen:
                seen.add(name)
                unique.append(tool)
        self._tools = unique

    def add_tools(self, tools: list[Any]) -> None:
        """Add function tools."""
        self._extra_tools.extend(tools)
        self._register_tools()

    # ---- MCP servers -----------------------------------------------------------------------

    async def initialize_mcp(self) -> None:
        """Connect the ``mcp_servers`` (once, all at the same time) and add their tools.

        A server that does not start is reported (logged, and an ``error`` event with source
        ``"mcp"`` on the session) and retried in the background; the agent runs without its
        tools until it comes up.
        """
        if self._mcp_initialized:
            return
        self._mcp_initialized = True
        errors = await self.mcp_manager.add_mcp_servers(self._mcp_servers)
        for error in errors:
            self._report_mcp_error(error)

    async def add_server(self, mcp_server: Any) -> None:
        """Connect one more MCP server and add its tools (raises ``MCPServerError`` if it does
        not start; it is retried in the background)."""
        if mcp_server not in self._mcp_servers:
            self._mcp_servers.append(mcp_server)
        await self.mcp_manager.add_mcp_server(mcp_server)

    def _report_mcp_error(self, error: BaseException) -> None:
        logger.error("%s", error)
        if self.session is not None:
            self.session.emit("error", {"source": "mcp", "error": str(error)})

    async def _say_while_tool_runs(self, tool_name: str) -> None:
        """Only while the agent is still thinking: not over a user who has started talking."""
        session = self.session
        if session is None or not self.tool_hold_message:
            return
        if session.agent_state is AgentState.THINKING:
            await session.say(self.tool_hold_message, add_to_chat_context=False)

    # ---- agent to agent --------------------------------------------------------------------

    async def register_a2a(self, card: Any, *, llm: Any = None) -> None:
        """Make this agent reachable by other agents as ``card`` (an ``AgentCard``). With
        ``llm`` it answers delegated questions itself, in its own text conversation."""
        from ..session.text_conversation import TextConversation

        await self._close_a2a_conversation()
        self._agent_card = card
        if llm is not None:
            self._a2a_conversation = TextConversation(self, llm)
        answer = self._a2a_conversation.ask if self._a2a_conversation is not None else None
        await self.a2a.register(card, answer=answer)

    async def unregister_a2a(self) -> None:
        self._agent_card = None
        await self.a2a.unregister()
        await self._close_a2a_conversation()

    async def _close_a2a_conversation(self) -> None:
        conversation, self._a2a_conversation = self._a2a_conversation, None
        if conversation is not None:
            await conversation.aclose()

    # ---- lifecycle -------------------------------------------------------------------------

    async def on_enter(self) -> None:
        """Called when the agent takes over the conversation (override to greet)."""

    async def on_exit(self) -> None:
        """Called when the agent leaves the conversation."""

    async def on_agent_speech_ended(self, data: dict[str, Any]) -> None:
        """Called after the agent finished speaking an utterance (realtime mode)."""

    async def hangup(self) -> None:
        """End the call (from a tool, typically)."""
        if self.session is not None:
            await self.session.hangup()

    async def cleanup(self) -> None:
        """Release what the agent holds: MCP connections (stdio servers are stopped).

        An A2A registration is kept: a specialist stays reachable across sessions until
        ``unregister_a2a``.
        """
        try:
            await self.mcp_manager.cleanup()
        except Exception:
            logger.exception("closing the MCP servers of %s failed", self.name)
        self._mcp_initialized = False
        self._register_tools()

    # ---- vision -----------------------------------------------------------------------------

    def capture_frames(self, num_of_frames: int = 1) -> list[Any]:
        """The latest video frames from the user's camera or screen share (up to 5), for
        ``session.reply(..., frames=...)``; [] with a warning when there is no video."""
        if num_of_frames > 5:
            raise ValueError("num_of_frames cannot exceed 5")
        pipeline = getattr(self.session, "pipeline", None)
        if pipeline is None:
            logger.warning("capture_frames: the agent has no session yet")
            return []
        return pipeline.get_latest_frames(num_of_frames)

    # ---- background and thinking audio ---------------------------------------------------

    def set_thinking_audio(self, file: str | None = None, volume: float = 0.3) -> None:
        """Play a looping sound while the agent thinks (default: the bundled keyboard-typing
        clip, ``vocalis.audio.clips.AGENT_KEYBOARD``)."""
        self._thinking_background_config = BackgroundAudioConfig(
            file_path=file or str(AGENT_KEYBOARD), volume=volume, looping=True, enabled=True,
            mode="mixing", synthetic="typing",
        )

    @property
    def thinking_audio(self) -> BackgroundAudioConfig | None:
        """The sound set with ``set_thinking_audio`` (None: silence while thinking)."""
        return self._thinking_background_config

    async def play_background_audio(
        self,
        file: str | None = None,
        volume: float = 1.0,
        looping: bool = False,
        override_thinking: bool = True,
    ) -> None:
        """Mix a sound under the agent's voice (default: the bundled office ambience,
        ``vocalis.audio.clips.OFFICE_NOISE``). With ``override_thinking=False`` it is exclusive:
        the thinking sound is held back."""
        config = BackgroundAudioConfig(
            file_path=file or str(OFFICE_NOISE), volume=volume, looping=looping, mode="mixing",
            synthetic="ambience",
        )
        if self.session is not None:
            await self.session.play_background_audio(config, override_thinking)

    async def stop_background_audio(self) -> None:
        if self.session is not None:
            await self.session.stop_background_audio()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"
