"""FallbackProviders: listening to the active provider only, one report per error, closing."""

import asyncio
import logging

import pytest

from vocalis.utils.events import EventEmitter
from vocalis.utils.fallback_wiring import FallbackProviders


class Provider(EventEmitter):
    def __init__(self, label, fail_close=False):
        super().__init__()
        self.label = label
        self.closed = False
        self.fail_close = fail_close

    async def aclose(self):
        self.closed = True
        if self.fail_close:
            raise RuntimeError("close failed")


def _wiring(providers, **kwargs):
    wrapper = EventEmitter()
    switches = []
    wiring = FallbackProviders(
        providers,
        kind="TTS",
        emit=wrapper.emit,
        error=RuntimeError,
        logger=logging.getLogger("test"),
        on_switch=lambda: switches.append(wiring.active.label),
        **kwargs,
    )
    return wrapper, wiring, switches


def test_an_error_event_switches_once_and_is_reported_once():
    a, b = Provider("a"), Provider("b")
    wrapper, wiring, switches = _wiring([a, b])
    errors = []
    wrapper.on("error", errors.append)
    boom = ConnectionError("down")
    a.emit("error", boom)
    a.emit("error", boom)
    assert wiring.active is b
    assert switches == ["b"]
    assert errors == [boom]


def test_forwarded_events_come_from_the_active_provider_only():
    a, b = Provider("a"), Provider("b")
    wrapper, _, _ = _wiring([a, b], forwarded=("word_spoken",))
    words = []
    wrapper.on("word_spoken", words.append)
    a.emit("word_spoken", "hi")
    b.emit("word_spoken", "ignored")
    a.emit("error", ConnectionError("down"))
    a.emit("word_spoken", "stale")
    b.emit("word_spoken", "there")
    assert words == ["hi", "there"]


def test_next_provider_names_every_cause_when_all_failed():
    a, b = Provider("a"), Provider("b")
    _, wiring, _ = _wiring([a, b])
    failures = []
    wiring.provider_failed(a, ValueError("x"), failures)
    wiring.provider_failed(wiring.next_provider(failures), ValueError("y"), failures)
    with pytest.raises(RuntimeError, match="All TTS providers failed") as info:
        wiring.next_provider(failures)
    assert "a: ValueError('x')" in str(info.value) and "b: ValueError('y')" in str(info.value)


def test_aclose_closes_every_provider_even_if_one_fails():
    a, b = Provider("a", fail_close=True), Provider("b")
    wrapper, wiring, _ = _wiring([a, b])
    errors = []
    wrapper.on("error", errors.append)
    asyncio.run(wiring.aclose())
    assert a.closed and b.closed
    a.emit("error", ConnectionError("late"))
    assert errors == []
