"""The host side of natskit errors: the generated classes match the core's table, the server's
JetStream code reaches Python, and a panic is natskit's PanicError."""

from __future__ import annotations

import pytest

import natskit
from natskit import _native, aio, errors
from natskit.testing import LocalServer


def test_classes_are_the_core_table() -> None:
    core = _native._error_codes()
    assert [(cls.code, cls.number) for cls in errors._BY_CODE.values()] == core
    assert [name for name in errors.__all__ if name != "NatsError"] == [cls.__name__ for cls in errors._BY_CODE.values()]
    for name, number in core:
        cls = errors._BY_CODE[name]
        assert issubclass(cls, natskit.NatsError) and cls.number == number
        assert getattr(natskit, cls.__name__) is cls


def test_a_panic_is_a_panic_error() -> None:
    with pytest.raises(natskit.PanicError) as e:
        _native._panic_for_tests()
    assert e.value.code == "PANIC" and e.value.number == 15
    assert "deliberate panic for tests" in e.value.message
    assert e.value.server_code is None


def _is_panic(err: BaseException) -> bool:
    return (
        isinstance(err, natskit.PanicError)
        and err.code == "PANIC"
        and "deliberate panic for tests" in err.message
    )


def test_a_panic_in_binding_code_is_a_panic_error(nc: natskit.Client, subject: str) -> None:
    with pytest.raises(natskit.PanicError) as e:
        _native._panic_for_tests("binding")
    assert _is_panic(e.value)
    sub = nc.subscribe(subject)
    nc.publish(subject, b"still here")
    msg = sub.next(timeout=2)
    assert msg is not None and msg.data == b"still here"


@pytest.mark.asyncio
async def test_a_panic_in_asyncio_binding_code_is_a_panic_error(server: LocalServer, subject: str) -> None:
    with pytest.raises(natskit.PanicError) as e:
        _native._panic_for_tests("asyncio")
    assert _is_panic(e.value)
    async with await aio.connect(server.url) as nc:
        sub = await nc.subscribe(subject)
        await nc.publish(subject, b"still here")
        msg = await sub.next(timeout=2)
        assert msg is not None and msg.data == b"still here"


def test_stream_name_in_use_has_the_server_code(nc: natskit.Client) -> None:
    js = nc.jetstream()
    js.create_stream(name="TAKEN", subjects=["taken.a"], storage="memory")
    try:
        with pytest.raises(natskit.JetStreamError) as e:
            js.create_stream(name="TAKEN", subjects=["taken.b"], storage="memory")
        assert e.value.code == "JETSTREAM" and e.value.server_code == 10058
    finally:
        js.delete_stream("TAKEN")


@pytest.mark.asyncio
async def test_stream_not_found_has_the_server_code_in_asyncio(server: LocalServer) -> None:
    async with await aio.connect(server.url) as nc:
        with pytest.raises(natskit.NotFoundError) as e:
            await nc.jetstream().stream_info("NO_SUCH_STREAM")
        assert e.value.server_code == 10059
