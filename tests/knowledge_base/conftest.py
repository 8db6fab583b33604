"""One sentence encoder for the knowledge-base tests (building it takes a second or two)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def encoder():
    from vocalis.knowledge_base.encoder import EncoderUnavailableError, SentenceEncoder

    try:
        return SentenceEncoder.shared()
    except EncoderUnavailableError as exc:
        pytest.skip(str(exc))
