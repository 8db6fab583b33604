"""A local fake of Twilio's REST API, for the call-control requests Vocalis makes.

Speaks the real wire protocol from Twilio's API reference: ``POST
/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`` with HTTP Basic auth (account SID and
auth token) and a form body (``Twiml``, ``Url``, ``Status``); answers with the call resource as
JSON, or Twilio's error document (``code``, ``message``, ``more_info``, ``status``) with 401
for bad credentials and 404 for an unknown call. Every accepted update is recorded.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "fake-auth-token"


@dataclass
class CallUpdate:
    call_sid: str
    form: dict[str, str]


@dataclass
class FakeTwilioRest:
    """Known calls (``calls``) and the updates received (``updates``)."""

    calls: set[str] = field(default_factory=set)
    updates: list[CallUpdate] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{account}/Calls/{call}.json", self._update)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def aclose(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _update(self, request: web.Request) -> web.Response:
        account, call = request.match_info["account"], request.match_info["call"]
        if not _authorized(request, account):
            return _error(401, 20003, "Authenticate")
        if call not in self.calls:
            return _error(404, 20404, f"The requested resource /2010-04-01/Accounts/{account}"
                                      f"/Calls/{call}.json was not found")
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.updates.append(CallUpdate(call, form))
        status = "completed" if form.get("Status") == "completed" else "in-progress"
        return web.json_response(_call_resource(account, call, status))


def _authorized(request: web.Request, account: str) -> bool:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return False
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user == account == ACCOUNT_SID and password == AUTH_TOKEN


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message, "status": status,
                              "more_info": f"https://www.twilio.com/docs/errors/{code}"},
                             status=status)


def _call_resource(account: str, call: str, status: str) -> dict[str, Any]:
    return {
        "sid": call, "account_sid": account, "status": status, "direction": "inbound",
        "api_version": "2010-04-01", "uri": f"/2010-04-01/Accounts/{account}/Calls/{call}.json",
        "from": "+15550100", "to": "+15550199", "date_created": None, "date_updated": None,
    }
