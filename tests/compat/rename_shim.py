"""The one-line port, as an import hook: ``videosdk.agents`` → ``vocalis``,
``videosdk.agents.<module>`` → ``vocalis.<module>``, ``videosdk.plugins.<x>`` →
``vocalis.plugins.<x>`` and ``videosdk`` (the RTC SDK's ``PubSubPublishConfig``, ...) →
``vocalis``. The agents in ``tests/compat/agents`` are written against the reference's names and
imported through it, exactly as a user's file would be after changing its imports."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from types import ModuleType
from typing import Any


def target_of(name: str) -> str | None:
    """The Vocalis module a reference module name stands for (None: not a reference name)."""
    if name in ("videosdk", "videosdk.agents"):
        return "vocalis"
    for prefix, replacement in (("videosdk.agents.", "vocalis."),
                                ("videosdk.plugins", "vocalis.plugins")):
        if name.startswith(prefix):
            return replacement + name[len(prefix):]
    return None


class RenameFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves reference module names with the Vocalis modules they map to."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if target_of(fullname) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self, is_package=True)

    def __init__(self) -> None:
        self._specs: dict[str, Any] = {}

    def create_module(self, spec: Any) -> ModuleType:
        name = target_of(spec.name)
        assert name is not None
        module = importlib.import_module(name)
        self._specs[module.__name__] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        """The Vocalis module is already imported; the import system replaced its
        ``__spec__`` with ours, so put its own back (``importlib.resources`` reads it)."""
        module.__spec__ = self._specs[module.__name__]


def install() -> None:
    if not any(isinstance(f, RenameFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, RenameFinder())
