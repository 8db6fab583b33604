"""Fixtures for the hearing tests: the benchmark's echo agent served by ``vocalis serve``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .echo_server import EchoServer, serve_echo_agent


@pytest.fixture(scope="session")
def echo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EchoServer]:
    with serve_echo_agent(tmp_path_factory.mktemp("echo-server")) as server:
        yield server
