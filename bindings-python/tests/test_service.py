"""Services (micro): sync pull-style and asyncio endpoints, discovery, stats, stop, and interop
with nats-py's ``nats.micro`` both ways."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import List

import nats
import pytest
from nats.micro import add_service
from nats.micro.request import Request as TheirRequest
from nats.micro.request import ServiceError
from nats.micro.service import EndpointConfig, ServiceInfo, ServicePing

import natskit
from natskit import aio
from natskit.testing import LocalServer


def answer(endpoint: natskit.Endpoint, count: int) -> None:
    """Answers `count` requests: the payload back with "ok:", an error for "fail"."""
    for _ in range(count):
        request = endpoint.next(timeout=5)
        assert request is not None
        if request.data == b"fail":
            request.respond_error(422, "cannot add that")
        else:
            request.respond(b"ok:" + request.data)


def test_sync_endpoint_answers_data_json_and_errors(server: LocalServer, subject: str) -> None:
    with natskit.connect(server.url) as nc, natskit.connect(server.url) as caller:
        service = nc.add_service(f"{subject}-adder", "1.0.0", description="adds", metadata={"team": "py"})
        endpoint = service.add_group(subject).add_endpoint("add", metadata={"unit": "int"})
        assert (endpoint.name, endpoint.subject) == (f"{subject}-add", f"{subject}.add")
        worker = threading.Thread(target=answer, args=(endpoint, 2))
        worker.start()
        assert caller.request(f"{subject}.add", b"1+2").data == b"ok:1+2"
        failed = caller.request(f"{subject}.add", b"fail")
        worker.join()
        assert failed.headers["Nats-Service-Error"] == "cannot add that"
        assert failed.headers["Nats-Service-Error-Code"] == "422"

        def json_once() -> None:
            request = endpoint.next(timeout=5)
            assert request is not None
            request.respond({"sum": request.json()["a"] + 1})
            with pytest.raises(natskit.InvalidArgumentError, match="already answered"):
                request.respond(b"twice")

        worker = threading.Thread(target=json_once)
        worker.start()
        assert caller.request(f"{subject}.add", {"a": 2}).json() == {"sum": 3}
        worker.join()

        info = service.info()
        assert info["name"] == f"{subject}-adder" and info["description"] == "adds"
        assert info["metadata"] == {"team": "py"}
        assert info["endpoints"] == [
            {"name": f"{subject}-add", "subject": f"{subject}.add", "queue_group": "q", "metadata": {"unit": "int"}}
        ]
        stats = service.stats()["endpoints"][0]
        assert (stats["num_requests"], stats["num_errors"]) == (3, 1)
        assert stats["last_error"] == "422:cannot add that"
        assert 0 < stats["processing_time"] < 5, "seconds"
        service.stop()
        assert service.stopped
        with pytest.raises(natskit.ClosedError):
            endpoint.next(timeout=0.5)


def test_next_times_out_with_none_and_bad_input_is_refused(nc: natskit.Client, subject: str) -> None:
    with pytest.raises(natskit.InvalidArgumentError, match="semantic version"):
        nc.add_service("adder", "1.0")
    with pytest.raises(natskit.InvalidArgumentError, match="letters, digits"):
        nc.add_service("add er", "1.0.0")
    with pytest.raises(natskit.InvalidArgumentError, match="metadata"):
        nc.add_service("adder", "1.0.0", metadata={"n": 1})  # type: ignore[dict-item]
    with nc.add_service(f"{subject}-svc", "1.0.0") as service:
        endpoint = service.add_endpoint(subject)
        assert endpoint.next(timeout=0.05) is None
        with pytest.raises(natskit.InvalidSubjectError):
            service.add_endpoint("a..b")
    assert service.stopped


def test_discovery_and_stats_across_two_instances_in_queue_group_q(server: LocalServer, subject: str) -> None:
    name = f"{subject}-pair"
    with natskit.connect(server.url) as a, natskit.connect(server.url) as b, natskit.connect(server.url) as caller:
        services = [a.add_service(name, "2.0.0"), b.add_service(name, "2.0.0")]
        endpoints = [s.add_endpoint(subject) for s in services]
        served = [0, 0]

        def serve(i: int) -> None:
            while (request := endpoints[i].next(timeout=0.5)) is not None:
                request.respond(b"x")
                served[i] += 1

        workers = [threading.Thread(target=serve, args=(i,)) for i in (0, 1)]
        for w in workers:
            w.start()
        for _ in range(30):
            caller.request(subject, b"")
        for w in workers:
            w.join()
        assert sum(served) == 30 and min(served) > 0, served

        pings = caller.service_ping(name)
        assert sorted(p["id"] for p in pings) == sorted(s.id for s in services)
        assert all(p["type"] == "io.nats.micro.v1.ping_response" and p["version"] == "2.0.0" for p in pings)
        stats = caller.service_stats(name, id=services[0].id)
        assert len(stats) == 1 and stats[0]["endpoints"][0]["num_requests"] == served[0]
        assert [i["endpoints"][0]["subject"] for i in caller.service_info(name)] == [subject, subject]
        services[0].stop()
        assert [p["id"] for p in caller.service_ping(name)] == [services[1].id]
        services[1].stop()
        assert caller.service_ping(name, timeout=0.3) == []


@pytest.mark.asyncio
async def test_asyncio_endpoint_iterates_until_stop(server: LocalServer, subject: str) -> None:
    async with await aio.connect(server.url) as nc:
        service = await nc.add_service(f"{subject}-aio", "0.1.0")
        endpoint = await service.add_group(subject, queue_group="workers").add_endpoint("echo", name="echo")
        seen: List[bytes] = []

        async def serve() -> None:
            async for request in endpoint:
                seen.append(request.data)
                if request.data == b"bad":
                    await request.respond_error(500, "bad input")
                else:
                    await request.respond(request.data.upper(), headers={"X-By": "aio"})

        task = asyncio.create_task(serve())
        reply = await nc.request(f"{subject}.echo", b"hi")
        assert reply.data == b"HI" and reply.headers["X-By"] == "aio"
        bad = await nc.request(f"{subject}.echo", b"bad")
        assert bad.headers["Nats-Service-Error-Code"] == "500"
        info = await nc.service_info(f"{subject}-aio")
        assert info[0]["endpoints"][0]["queue_group"] == "workers"
        stats = await service.stats()
        assert (stats["endpoints"][0]["num_requests"], stats["endpoints"][0]["num_errors"]) == (2, 1)
        await service.stop()
        await asyncio.wait_for(task, 5)
        assert seen == [b"hi", b"bad"]


@pytest.mark.asyncio
async def test_nats_py_micro_discovers_and_calls_a_natskit_service(server: LocalServer, subject: str) -> None:
    ours = await aio.connect(server.url)
    theirs = await nats.connect(server.url)
    try:
        service = await ours.add_service(f"{subject}-kit", "1.2.3", description="natskit side", metadata={"k": "v"})
        endpoint = await service.add_endpoint(f"{subject}.sum", name="sum")

        async def serve() -> None:
            async for request in endpoint:
                numbers = request.json()
                if not numbers:
                    await request.respond_error(400, "no numbers")
                else:
                    await request.respond(str(sum(numbers)))

        task = asyncio.create_task(serve())
        ping = ServicePing.from_dict(json.loads((await theirs.request(f"$SRV.PING.{subject}-kit", b"")).data))
        assert (ping.name, ping.id, ping.version, ping.metadata) == (f"{subject}-kit", service.id, "1.2.3", {"k": "v"})
        info = ServiceInfo.from_dict(json.loads((await theirs.request(f"$SRV.INFO.{subject}-kit", b"")).data))
        assert info.description == "natskit side"
        assert [(e.name, e.subject, e.queue_group) for e in info.endpoints] == [("sum", f"{subject}.sum", "q")]

        assert (await theirs.request(f"{subject}.sum", b"[1, 2, 3]")).data == b"6"
        failed = await theirs.request(f"{subject}.sum", b"[]")
        assert failed.headers == {"Nats-Service-Error": "no numbers", "Nats-Service-Error-Code": "400"}

        # Read as JSON: nats-py's ServiceStats.from_dict wants `started` in microseconds and a
        # `data` key, where natskit (like Go's services) sends nanoseconds and omits empty data.
        stats = json.loads((await theirs.request(f"$SRV.STATS.{subject}-kit", b"")).data)
        assert stats["type"] == "io.nats.micro.v1.stats_response" and stats["id"] == service.id
        numbers = stats["endpoints"][0]
        assert (numbers["num_requests"], numbers["num_errors"]) == (2, 1)
        assert numbers["last_error"] == "400:no numbers" and numbers["processing_time"] > 0
        await service.stop()
        await asyncio.wait_for(task, 5)
    finally:
        await theirs.close()
        await ours.close()


@pytest.mark.asyncio
async def test_natskit_discovers_and_calls_a_nats_py_micro_service(server: LocalServer, subject: str) -> None:
    theirs = await nats.connect(server.url)
    ours = await aio.connect(server.url)
    try:

        async def double(request: TheirRequest) -> None:
            if request.data == b"x":
                raise ServiceError("400", "not a number")  # nats.micro counts raised errors
            else:
                await request.respond(str(2 * int(request.data)).encode())

        service = await add_service(theirs, name=f"{subject}-py", version="3.0.0", description="nats-py side")
        await service.add_endpoint(EndpointConfig(name="double", subject=f"{subject}.double", handler=double, metadata={"m": "1"}))
        await theirs.flush()  # nats-py sends its subscriptions lazily: they must reach the server first

        pings = await ours.service_ping(f"{subject}-py")
        assert [(p["name"], p["version"]) for p in pings] == [(f"{subject}-py", "3.0.0")]
        info = await ours.service_info(f"{subject}-py", id=pings[0]["id"])
        assert info[0]["description"] == "nats-py side"
        assert info[0]["endpoints"] == [{"name": "double", "subject": f"{subject}.double", "queue_group": "q", "metadata": {"m": "1"}}]

        assert (await ours.request(f"{subject}.double", b"21")).data == b"42"
        failed = await ours.request(f"{subject}.double", b"x")
        assert failed.headers["Nats-Service-Error-Code"] == "400"

        stats = await ours.service_stats(f"{subject}-py")
        endpoint = stats[0]["endpoints"][0]
        assert (endpoint["num_requests"], endpoint["num_errors"]) == (2, 1)
        assert endpoint["last_error"] == "400:not a number"
        await service.stop()
        assert await ours.service_ping(f"{subject}-py", timeout=0.3) == []
    finally:
        await ours.close()
        await theirs.close()
