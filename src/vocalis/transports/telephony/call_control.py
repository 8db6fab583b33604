"""``TwilioCallControl``: acting on a live Twilio call through Twilio's REST API.

A media stream carries audio only; transferring or ending the call is a REST request on the
call (``POST /2010-04-01/Accounts/{sid}/Calls/{call_sid}.json``), made with the official
``twilio`` SDK (its aiohttp client). Credentials come from ``TelephonyConfig`` or the
``TWILIO_ACCOUNT_SID`` / ``TWILIO_AUTH_TOKEN`` environment variables; ``api_url`` points the SDK
elsewhere (a regional edge, or a local fake in tests).
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any
from xml.sax.saxutils import escape

from ...telephony.errors import TransferError

logger = logging.getLogger("vocalis.transports.telephony")

REQUEST_TIMEOUT = 15.0
"""Seconds a REST request to Twilio may take."""


def dial_twiml(to: str) -> str:
    """TwiML that connects the call to ``to``: a SIP URI (``<Sip>``) or a phone number."""
    target = to.strip()
    if target.startswith(("sip:", "sips:")):
        return f"<Response><Dial><Sip>{escape(target)}</Sip></Dial></Response>"
    return f"<Response><Dial>{escape(target)}</Dial></Response>"


class TwilioCallControl:
    """Transfers and hangs up Twilio calls by their ``CallSid`` (see the module docstring)."""

    def __init__(self, account_sid: str, auth_token: str, *, api_url: str | None = None) -> None:
        from twilio.http.async_http_client import AsyncTwilioHttpClient
        from twilio.rest import Client

        self._client = Client(account_sid, auth_token,
                              http_client=AsyncTwilioHttpClient(pool_connections=False))
        if api_url:
            self._client.api.base_url = api_url.rstrip("/")

    @classmethod
    def from_config(cls, config: Any) -> TwilioCallControl | None:
        """From ``TelephonyConfig`` fields or the environment; None without credentials."""
        sid = getattr(config, "account_sid", None) or os.environ.get("TWILIO_ACCOUNT_SID")
        token = getattr(config, "auth_token", None) or os.environ.get("TWILIO_AUTH_TOKEN")
        if not sid or not token:
            return None
        try:
            return cls(sid, token, api_url=getattr(config, "api_url", None))
        except ImportError:
            logger.warning("Twilio credentials are set but the twilio SDK is missing: "
                           "pip install 'vocalis[twilio]'")
            return None

    async def transfer(self, call_sid: str, to: str) -> None:
        """Redirect the call to ``<Dial>to</Dial>``; the media stream (the agent) ends."""
        await self._update(call_sid, f"transfer to {to}", twiml=dial_twiml(to))

    async def hangup(self, call_sid: str) -> None:
        """End the call for the caller (``Status=completed``)."""
        await self._update(call_sid, "hangup", status="completed")

    async def _update(self, call_sid: str, what: str, **fields: str) -> None:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            await asyncio.wait_for(self._client.calls(call_sid).update_async(**fields),
                                   REQUEST_TIMEOUT)
        except TimeoutError:
            raise TransferError(f"Twilio did not answer the {what} of {call_sid} within "
                                f"{REQUEST_TIMEOUT:g} s") from None
        except TwilioRestException as exc:
            raise TransferError(f"Twilio refused the {what} of {call_sid}: {exc.status} "
                                f"{exc.msg}") from exc
        except (TwilioException, OSError) as exc:
            raise TransferError(f"the {what} of {call_sid} failed: {exc}") from exc
