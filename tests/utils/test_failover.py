"""ProviderFailover: cool-downs, permanent disabling, latency switching and recovery."""

import asyncio

import pytest

from vocalis.utils import run_virtual
from vocalis.utils.failover import ProviderFailover


def _policy(**kwargs):
    return ProviderFailover(["a", "b", "c"], **kwargs)


def test_starts_on_the_first_provider():
    policy = _policy()
    assert policy.active == "a"
    assert not policy.exhausted
    assert all(policy.is_usable(p) for p in "abc")


def test_failure_switches_to_next_and_cools_down_then_recovers():
    async def main():
        policy = _policy(temporary_disable_sec=60.0)
        assert policy.record_failure("a", "boom") is True
        assert policy.active == "b"
        assert not policy.is_usable("a")
        await asyncio.sleep(59.0)
        assert policy.check_recovery() is False
        assert policy.active == "b"
        await asyncio.sleep(1.0)
        assert policy.check_recovery() is True
        assert policy.active == "a"
        assert policy.check_recovery() is False

    run_virtual(main())


def test_failure_of_an_inactive_provider_does_not_switch():
    policy = _policy()
    assert policy.record_failure("c") is False
    assert policy.active == "a"
    assert policy.health("c").failures == 1


def test_permanent_disable_after_repeated_failures():
    async def main():
        policy = _policy(temporary_disable_sec=10.0, permanent_disable_after_attempts=2)
        policy.record_failure("a")
        await asyncio.sleep(10.0)
        assert policy.check_recovery() is True
        policy.record_failure("a")
        assert policy.health("a").permanent
        await asyncio.sleep(1000.0)
        assert policy.check_recovery() is False
        assert policy.active == "b"

    run_virtual(main())


def test_failures_during_cool_down_do_not_count_as_new_attempts():
    async def main():
        policy = ProviderFailover(["only"], temporary_disable_sec=5.0)
        for _ in range(10):
            assert policy.record_failure("only") is False
        assert policy.health("only").failures == 1
        assert not policy.health("only").permanent
        await asyncio.sleep(5.0)
        policy.record_failure("only")
        assert policy.health("only").failures == 2

    run_virtual(main())


def test_moves_to_a_cooling_provider_when_none_is_usable():
    async def main():
        policy = ProviderFailover(["a", "b"], temporary_disable_sec=30.0)
        policy.record_failure("a")
        assert policy.active == "b"
        assert policy.record_failure("b") is True
        assert policy.active == "a"
        await asyncio.sleep(30.0)
        assert policy.check_recovery() is False
        assert policy.active == "a"

    run_virtual(main())


def test_exhausted_when_all_permanently_disabled():
    policy = ProviderFailover(["a", "b"], permanent_disable_after_attempts=1)
    assert policy.record_failure("a") is True
    assert policy.record_failure("b") is False
    assert policy.exhausted


def test_consecutive_slow_latencies_count_as_a_failure():
    policy = _policy(latency_threshold_ms=500.0, consecutive_latency_hits=3)
    assert policy.record_latency(900) is False
    assert policy.record_latency(900) is False
    assert policy.record_latency(100) is False
    assert policy.record_latency(900) is False
    assert policy.record_latency(900) is False
    assert policy.active == "a"
    assert policy.record_latency(900) is True
    assert policy.active == "b"
    assert policy.health("a").failures == 1


def test_latency_ignored_when_off_or_about_another_provider():
    off = _policy()
    assert not any(off.record_latency(10_000) for _ in range(10))
    policy = _policy(latency_threshold_ms=100.0, consecutive_latency_hits=1)
    assert policy.record_latency(500, provider="b") is False
    assert policy.record_latency(500, provider="a") is True


def test_invalid_configuration_raises():
    with pytest.raises(ValueError, match="at least one provider"):
        ProviderFailover([])
    with pytest.raises(ValueError):
        ProviderFailover(["a"], permanent_disable_after_attempts=0)
    with pytest.raises(ValueError):
        ProviderFailover(["a"], latency_threshold_ms=0)
    with pytest.raises(ValueError, match="unknown"):
        ProviderFailover(["a"]).record_failure("z")
