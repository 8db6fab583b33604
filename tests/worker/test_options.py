"""Options: reference defaults, clear errors, the CLI's flags, and ``register=True``."""

from __future__ import annotations

import pytest
from tests.worker.helpers import AGENT_FILE

from vocalis.cli import build_parser
from vocalis.cli.start import worker_options
from vocalis.job import Options, WorkerJob
from vocalis.job.agent_file import load_agent_file
from vocalis.worker import ExecutorType, JobRequest, JobUpdate, WorkerOptions, WorkerStatus


async def entrypoint(ctx) -> None:
    return None


def test_worker_options_follow_the_reference() -> None:
    options = WorkerOptions(entrypoint_fnc=entrypoint)
    assert (options.num_idle_processes, options.max_processes, options.load_threshold) == (
        2, 10, 0.75)
    assert (options.memory_warn_mb, options.memory_limit_mb, options.ping_interval) == (
        500.0, 0.0, 30.0)
    assert (options.host, options.port, options.agent_id) == ("0.0.0.0", 8081, "VideoSDKAgent")
    assert options.executor_type is ExecutorType.PROCESS and options.capacity == 10


@pytest.mark.parametrize("changes,message", [
    ({"entrypoint_fnc": None}, "exactly one of entrypoint_fnc and agent_file"),
    ({"num_idle_processes": 3, "max_processes": 2}, "num_idle_processes"),
    ({"load_threshold": 0}, "load_threshold"),
    ({"jobs_per_process": 0}, "jobs_per_process"),
    ({"register": True}, "REDIS_URL"),
])
def test_worker_options_say_what_is_wrong(changes, message, monkeypatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(ValueError, match=message):
        WorkerOptions(**{"entrypoint_fnc": entrypoint, **changes})


def test_register_reads_redis_url_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://registry:6379/0")
    options = WorkerOptions(entrypoint_fnc=entrypoint, register=True)
    assert options.redis_url == "redis://registry:6379/0"


def test_worker_job_register_needs_a_redis_registry(monkeypatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(ValueError, match="REDIS_URL"):
        WorkerJob(entrypoint, options=Options(register=True))
    monkeypatch.setenv("REDIS_URL", "redis://registry:6379/0")
    job = WorkerJob(entrypoint, options=Options(register=True))
    assert job.options.register


def test_start_flags_become_worker_options(monkeypatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://db:6379/1")
    args = build_parser().parse_args([
        "start", AGENT_FILE, "--processes", "4", "--jobs-per-process", "25",
        "--memory-limit", "800", "--threads", "--agent-id", "support", "--health-port", "9100",
    ])
    options = worker_options(load_agent_file(AGENT_FILE), args)
    assert options.agent_file == load_agent_file(AGENT_FILE).path
    assert (options.max_processes, options.num_idle_processes, options.jobs_per_process) == (
        4, 2, 25)
    assert options.memory_limit_mb == 800 and options.executor_type is ExecutorType.THREAD
    assert (options.agent_id, options.port, options.redis_url) == (
        "support", 9100, "redis://db:6379/1")


def test_the_health_server_binds_where_the_transports_do_unless_told(monkeypatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    agent = load_agent_file(AGENT_FILE)
    args = build_parser().parse_args(["start", AGENT_FILE])
    assert worker_options(agent, args).host == "127.0.0.1"
    assert worker_options(agent, args, "0.0.0.0").host == "0.0.0.0"
    args = build_parser().parse_args(["start", AGENT_FILE, "--health-host", "10.0.0.2"])
    assert worker_options(agent, args).host == "10.0.0.2"


def test_messages_round_trip_and_validate() -> None:
    request = JobRequest("j1", "echo", "tcp:10.0.0.5:7000", "tok", metadata={"say": "hi"},
                         expires_at=1.0)
    assert JobRequest.from_dict({**request.to_dict(), "unknown": 1}) == request
    assert request.expired(at=2.0) and not request.expired(at=0.5)
    assert JobUpdate.from_dict(JobUpdate("j1", "failed", "w1", error="x").to_dict()).is_final
    with pytest.raises(ValueError):
        JobUpdate("j1", "exploded")
    status = WorkerStatus("w1", "echo", load=0.5, job_count=1, capacity=2)
    assert status.has_capacity
    assert not WorkerStatus("w1", "echo", load=0.8, job_count=1, capacity=2).has_capacity
    assert not WorkerStatus("w1", "echo", status="draining").has_capacity
