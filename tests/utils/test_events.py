import functools

import pytest

from vocalis.utils import EventEmitter


def test_on_as_call_and_decorator_and_emit_order():
    em = EventEmitter()
    seen = []
    em.on("x", lambda v: seen.append(("a", v)))

    @em.on("x")
    def second(v):
        seen.append(("b", v))

    em.emit("x", 1)
    assert seen == [("a", 1), ("b", 1)]


def test_no_args_gives_empty_dict_and_extra_args_are_trimmed():
    em = EventEmitter()
    got = []
    em.on("e", lambda d: got.append(d))
    em.on("e", lambda: got.append("none"))
    em.emit("e")
    em.emit("e", 1, 2, 3)
    assert got == [{}, "none", 1, "none"]


def test_partials_and_callable_objects_work():
    em = EventEmitter()
    got = []

    class Sink:
        def __call__(self, v):
            got.append(("obj", v))

    em.on("e", functools.partial(lambda tag, v: got.append((tag, v)), "p"))
    em.on("e", Sink())
    em.emit("e", 7)
    assert got == [("p", 7), ("obj", 7)]


def test_off_and_duplicates_and_once():
    em = EventEmitter()
    got = []
    h = em.on("e", lambda v: got.append(v))
    em.on("e", h)
    em.emit("e", 1)
    em.off("e", h)
    em.off("e", h)
    em.emit("e", 2)
    em.once("e", lambda v: got.append(("once", v)))
    em.emit("e", 3)
    em.emit("e", 4)
    assert got == [1, ("once", 3)]
    assert not em.has_listeners("e")


def test_handler_errors_are_isolated():
    em = EventEmitter()
    got = []
    em.on("e", lambda v: 1 / 0)
    em.on("e", lambda v: got.append(v))
    em.emit("e", 5)
    assert got == [5]


def test_async_handlers_rejected():
    em = EventEmitter()

    async def handler(v):
        pass

    with pytest.raises(ValueError):
        em.on("e", handler)
