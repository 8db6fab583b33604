"""Transfers and hangup on Twilio media-stream calls: the official ``twilio`` SDK talks to a
local fake of Twilio's REST API (``tests/fakes/twilio_rest.py``)."""

from __future__ import annotations

import asyncio

import pytest
from tests.fakes.twilio_rest import ACCOUNT_SID, AUTH_TOKEN, FakeTwilioRest
from tests.transports.fake_agent import SESSIONS
from tests.transports.test_telephony import start_server
from tests.transports.twilio_client import CALL_SID, call
from tests.transports.ws_client import wait_for

from vocalis.job import TelephonyConfig
from vocalis.telephony.errors import TransferError
from vocalis.transports.telephony.call_control import dial_twiml

pytest.importorskip("twilio")


@pytest.fixture
async def twilio():
    fake = FakeTwilioRest(calls={CALL_SID})
    await fake.start()
    yield fake
    await fake.aclose()


def telephony(twilio: FakeTwilioRest, token: str = AUTH_TOKEN) -> TelephonyConfig:
    return TelephonyConfig(account_sid=ACCOUNT_SID, auth_token=token, api_url=twilio.url)


async def test_call_transfer_redirects_the_call_to_a_dial(twilio):
    server = await start_server(telephony=telephony(twilio))
    try:
        async with call(server.url("/twilio", "ws")) as c:
            await c.start()
            assert await wait_for(lambda: SESSIONS and SESSIONS[0]._started, 3.0)
            await SESSIONS[0].call_transfer(None, "+15550123")
            assert [u.call_sid for u in twilio.updates] == [CALL_SID]
            assert twilio.updates[0].form == {
                "Twiml": "<Response><Dial>+15550123</Dial></Response>"}
            await asyncio.wait_for(c.closed.wait(), 3.0)
        assert SESSIONS[0].room.close_reason == "transferred to +15550123"
    finally:
        await server.aclose()


async def test_hangup_completes_the_call(twilio):
    server = await start_server(telephony=telephony(twilio))
    try:
        async with call(server.url("/twilio", "ws")) as c:
            await c.start()
            assert await wait_for(lambda: SESSIONS and SESSIONS[0]._started, 3.0)
            await SESSIONS[0].hangup("done")
            await asyncio.wait_for(c.closed.wait(), 3.0)
        assert [u.form for u in twilio.updates] == [{"Status": "completed"}]
    finally:
        await server.aclose()


async def test_a_refused_transfer_raises_and_the_call_goes_on(twilio):
    errors: list[dict] = []
    server = await start_server(telephony=telephony(twilio, token="wrong"))
    try:
        async with call(server.url("/twilio", "ws")) as c:
            await c.start()
            assert await wait_for(lambda: SESSIONS and SESSIONS[0]._started, 3.0)
            SESSIONS[0].on("error", errors.append)
            with pytest.raises(TransferError, match="401"):
                await SESSIONS[0].call_transfer(None, "sip:desk@example.com")
            assert not c.closed.is_set() and not twilio.updates
            assert errors and errors[0]["source"] == "telephony"
    finally:
        await server.aclose()


async def test_without_credentials_transfer_says_what_to_set(monkeypatch):
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    server = await start_server()
    try:
        async with call(server.url("/twilio", "ws")) as c:
            await c.start()
            assert await wait_for(lambda: SESSIONS and SESSIONS[0]._started, 3.0)
            with pytest.raises(TransferError, match="TWILIO_ACCOUNT_SID"):
                await SESSIONS[0].call_transfer(None, "+15550123")
    finally:
        await server.aclose()


def test_dial_twiml_escapes_and_uses_sip_for_sip_uris():
    assert dial_twiml("sip:a@b.com") == "<Response><Dial><Sip>sip:a@b.com</Sip></Dial></Response>"
    assert dial_twiml("+1 <555>") == "<Response><Dial>+1 &lt;555&gt;</Dial></Response>"
