"""``WarmTransferRunner``: hand a SIP caller to a human after briefing them.

Self-hosted, the reference's "consultation room" is a second SIP call from the agent's endpoint
to the supervisor, on which a ``WarmTransferAgent`` session briefs them. Steps, each published
as a ``warm_transfer`` event: summarize the call; put the caller on hold (a short message, then
hold music; their speech no longer reaches the agent); call the supervisor; once they answer,
brief them; when they accept, bridge the two calls inside the SIP stack and end both agent
sessions (the bridged calls stay up until one side hangs up). Any failure or refusal takes the
caller off hold with an apology and returns an unsuccessful ``WarmTransferResult``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from ..audio.background import BackgroundAudioConfig
from ..audio.clips import HOLD_MUSIC
from ..job.context import JobContext
from ..pipeline.events import WarmTransferUpdate
from ..utils.current_job import reset_current_job, set_current_job
from .briefing import BRIEFING_APOLOGIES, WarmTransferAgent, summarize
from .types import WarmTransferConfig, WarmTransferError, WarmTransferPhase, WarmTransferResult

logger = logging.getLogger("vocalis.warm_transfer")

HOLD_MESSAGE = "Please hold while I connect you with a supervisor."
FAIL_APOLOGY = "I ran into a problem transferring you. Let me keep helping you."
NO_ANSWER_APOLOGY = "Sorry, I couldn't reach a supervisor; let me continue helping you."


class WarmTransferRunner:
    """Runs one warm transfer for ``session`` (see the module docstring)."""

    def __init__(self, session: Any, config: WarmTransferConfig) -> None:
        self.session = session
        self.config = config
        self.summary = ""
        self.consultation: Any = None
        self.briefing: Any = None
        self._briefing_agent: WarmTransferAgent | None = None

    @property
    def room(self) -> Any:
        return self.session.room

    async def run(self) -> WarmTransferResult:
        self._emit(WarmTransferPhase.STARTED, {"start_time": time.time()})
        try:
            self._check_call()
            self.summary = await self._summarize()
            await self._hold_caller()
            await self._call_supervisor()
            if not await self._wait_for_supervisor():
                reason = getattr(self._briefing_agent, "failure_reason", None)
                return await self._abort(reason or "supervisor_join_timeout", NO_ANSWER_APOLOGY,
                                         WarmTransferPhase.TRANSFER_CANCELLED)
            outcome = await self._brief()
            if outcome != "ready":
                apology = BRIEFING_APOLOGIES.get(outcome, FAIL_APOLOGY)
                return await self._abort(outcome, apology, WarmTransferPhase.TRANSFER_CANCELLED)
            await self._switch()
            return self._result(True, WarmTransferPhase.TRANSFER_COMPLETE)
        except asyncio.CancelledError:
            await asyncio.shield(self._restore())
            raise
        except WarmTransferError as exc:
            await self._abort(str(exc), FAIL_APOLOGY, WarmTransferPhase.TRANSFER_FAILED)
            raise
        except Exception as exc:
            logger.exception("warm transfer failed")
            await self._abort(str(exc), FAIL_APOLOGY, WarmTransferPhase.TRANSFER_FAILED)
            raise WarmTransferError(str(exc)) from exc

    # ---- steps ---------------------------------------------------------------------------------

    def _check_call(self) -> None:
        if not hasattr(self.room, "place_call") or not hasattr(self.room, "bridge_to"):
            transport = getattr(self.room, "transport", None) or "no"
            raise WarmTransferError(
                f"warm_transfer needs a SIP call (this session has {transport} connection): "
                "use the SIP transport, or call_transfer for a cold transfer")

    async def _summarize(self) -> str:
        self._emit(WarmTransferPhase.SUMMARY_GENERATING, {})
        llm = self.config.summary_llm
        if llm is None and not getattr(self.session.pipeline, "is_realtime", False):
            llm = getattr(self.session.pipeline, "llm", None)
        history = self.session.get_context_history()
        summary = await summarize(llm, history, self.config.summary_prompt)
        self._emit(WarmTransferPhase.SUMMARY_READY, {"summary": summary})
        return summary

    async def _hold_caller(self) -> None:
        self.room.hold(True)
        await self.session.say(HOLD_MESSAGE, interruptible=False)
        hold = self.config.hold_audio or BackgroundAudioConfig(
            file_path=str(HOLD_MUSIC), mode="mixing", volume=0.5, looping=True)
        await self.session.play_background_audio(hold, override_thinking=False)
        self._emit(WarmTransferPhase.CALLER_ON_HOLD, {})

    async def _call_supervisor(self) -> None:
        self.consultation = await self.room.place_call(self.config.uri)
        self._emit(WarmTransferPhase.CONSULTATION_ROOM_CREATED,
                   {"consultation_room_id": self.consultation.room_id})
        self._briefing_agent = WarmTransferAgent(self.summary)
        ctx = JobContext(room_options=_briefing_room_options(), room=self.consultation,
                         metadata={"purpose": "warm_transfer_briefing"})
        token = set_current_job(ctx)
        try:
            from ..session.session import AgentSession

            self.briefing = AgentSession(self._briefing_agent, self._briefing_pipeline())
            await self.briefing.start()
        finally:
            reset_current_job(token)
        self.consultation.setup_session_end_callback(self._supervisor_left)
        self._emit(WarmTransferPhase.SUPERVISOR_DIALED, {
            "supervisor_call_id": self.consultation.room_id,
            "consultation_room_id": self.consultation.room_id})

    def _briefing_pipeline(self) -> Any:
        from ..pipeline.pipeline import Pipeline

        factory = self.config.briefing_pipeline_factory
        if factory is not None:
            pipeline = factory()
            if not isinstance(pipeline, Pipeline):
                raise WarmTransferError("briefing_pipeline_factory must return a Pipeline")
            return pipeline
        primary = self.session.pipeline

        def fresh(component: Any) -> Any:
            if component is None:
                return None
            try:
                return type(component)()
            except Exception as exc:
                raise WarmTransferError(
                    f"could not build a fresh {type(component).__name__} for the briefing "
                    f"call ({exc}); pass WarmTransferConfig.briefing_pipeline_factory") from exc

        return Pipeline(stt=fresh(primary.stt), llm=fresh(primary.llm), tts=fresh(primary.tts),
                        vad=fresh(primary.vad), turn_detector=fresh(primary.turn_detector))

    def _supervisor_left(self, reason: str) -> None:
        if self._briefing_agent is not None:
            self._briefing_agent.fail("supervisor_disconnected")

    async def _wait_for_supervisor(self) -> bool:
        agent = self._briefing_agent
        assert agent is not None
        answered = asyncio.ensure_future(self.consultation.wait_until_answered())
        failed = asyncio.ensure_future(agent.briefing_failed.wait())
        try:
            await asyncio.wait({answered, failed}, timeout=self.config.supervisor_join_timeout,
                               return_when="FIRST_COMPLETED")
        finally:
            answered.cancel()
            failed.cancel()
        if not self.consultation.is_answered or agent.briefing_failed.is_set():
            return False
        agent.supervisor_ready.set()
        self._emit(WarmTransferPhase.SUPERVISOR_JOINED, {})
        return True

    async def _brief(self) -> str:
        self._emit(WarmTransferPhase.BRIEFING_STARTED, {})
        agent = self._briefing_agent
        assert agent is not None
        done = asyncio.ensure_future(agent.briefing_done.wait())
        failed = asyncio.ensure_future(agent.briefing_failed.wait())
        try:
            await asyncio.wait({done, failed}, timeout=self.config.briefing_timeout,
                               return_when="FIRST_COMPLETED")
        finally:
            done.cancel()
            failed.cancel()
        if agent.briefing_failed.is_set() and not agent.briefing_done.is_set():
            resolution = agent.failure_reason or "briefing_failed"
        elif agent.briefing_done.is_set():
            resolution = "ready"
        else:
            logger.warning("the briefing took over %g s; connecting anyway",
                           self.config.briefing_timeout)
            resolution = "timeout"
        self._emit(WarmTransferPhase.BRIEFING_COMPLETE, {"resolution": resolution})
        return "ready" if resolution == "timeout" else resolution

    async def _switch(self) -> None:
        await self.session.stop_background_audio()
        try:
            await self.room.bridge_to(self.consultation)
        except Exception as exc:
            raise WarmTransferError(f"could not connect the caller to the supervisor: {exc}") \
                from exc
        self._emit(WarmTransferPhase.CALL_SWITCHED, {
            "caller_call_id": self.room.room_id,
            "consultation_room_id": self.consultation.room_id})
        await self.briefing.close()
        self._emit(WarmTransferPhase.TRANSFER_COMPLETE, {})
        await self.session.hangup("warm_transfer_complete")

    # ---- endings -------------------------------------------------------------------------------

    async def _abort(self, reason: str, apology: str, phase: WarmTransferPhase) -> WarmTransferResult:
        await self._restore()
        with contextlib.suppress(Exception):
            await self.session.say(apology)
        self._emit(phase, {"reason": reason})
        return self._result(False, phase, reason)

    async def _restore(self) -> None:
        """Take the caller off hold and end the consultation call."""
        with contextlib.suppress(Exception):
            await self.session.stop_background_audio()
        hold = getattr(self.room, "hold", None)
        if hold is not None:
            hold(False)
        if self.briefing is not None:
            with contextlib.suppress(Exception):
                await self.briefing.close()
        if self.consultation is not None:
            with contextlib.suppress(Exception):
                await self.consultation.aclose("warm transfer cancelled")

    def _result(self, success: bool, phase: WarmTransferPhase,
                error: str | None = None) -> WarmTransferResult:
        consultation = getattr(self.consultation, "room_id", None)
        return WarmTransferResult(
            success=success, phase=phase, consultation_room_id=consultation,
            supervisor_call_id=consultation, switched_call_id=getattr(self.room, "room_id", None),
            summary=self.summary, error=error)

    def _emit(self, phase: WarmTransferPhase, data: dict[str, Any]) -> None:
        consultation = getattr(self.consultation, "room_id", None)
        self.session.link.publish(WarmTransferUpdate(phase, data, time.time(), consultation))


def _briefing_room_options() -> Any:
    from ..job.options import RoomOptions

    return RoomOptions(transport_mode="telephony", auto_end_session=False, playground=False)
