"""W3C trace context from Python: given to publish, request and push, read from messages and jobs."""

from __future__ import annotations

import threading
from typing import List, Optional

import pytest

import natskit
from natskit import aio
from natskit.testing import LocalServer
from natskit.types import TraceContext

PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def test_a_published_traceparent_arrives_in_the_subscriber(nc: natskit.Client, subject: str) -> None:
    sub = nc.subscribe(subject)
    nc.publish(subject, b"a", traceparent=PARENT, tracestate="vendor=1")
    nc.publish(subject, b"b", headers={"traceparent": "00-not-a-trace-context"})
    nc.publish(subject, b"c")
    first = sub.next(timeout=2)
    assert first is not None
    assert first.trace_context == {
        "trace_id": TRACE_ID,
        "span_id": "00f067aa0ba902b7",
        "flags": 1,
        "sampled": True,
        "tracestate": "vendor=1",
    }
    assert first.headers["traceparent"] == PARENT
    for _ in range(2):
        msg = sub.next(timeout=2)
        assert msg is not None and msg.trace_context is None, msg


def test_a_malformed_trace_context_given_is_invalid_argument(nc: natskit.Client, subject: str) -> None:
    with pytest.raises(natskit.InvalidArgumentError, match="traceparent"):
        nc.publish(subject, b"x", traceparent="00-00000000000000000000000000000000-00f067aa0ba902b7-01")
    with pytest.raises(natskit.InvalidArgumentError, match="tracestate needs a traceparent"):
        nc.request(subject, b"x", tracestate="a=1")
    with pytest.raises(natskit.InvalidArgumentError, match="traceparent"):
        nc.queue("traced_py").push("Job", 1, traceparent="garbage")


def test_a_request_carries_the_trace_context(nc: natskit.Client, subject: str) -> None:
    sub = nc.subscribe(subject)

    def respond() -> None:
        msg = sub.next(timeout=2)
        assert msg is not None
        msg.respond((msg.trace_context or {}).get("trace_id", ""))

    responder = threading.Thread(target=respond)
    responder.start()
    reply = nc.request(subject, b"q", traceparent=PARENT, timeout=2)
    responder.join()
    assert reply.data == TRACE_ID.encode()


def test_a_pushed_trace_context_arrives_in_the_job_handler(nc: natskit.Client) -> None:
    q = nc.queue("traced_py")
    q.push("Traced", 1, traceparent=PARENT, tracestate="k=v")
    q.push("Plain", 2)
    seen: List[Optional[TraceContext]] = []
    worker = natskit.Worker(nc, queues=["traced_py"], handler=lambda job: seen.append(job.trace_context), max_jobs=2)
    worker.run()
    assert seen[0] is not None and seen[0]["trace_id"] == TRACE_ID and seen[0]["tracestate"] == "k=v"
    assert seen[1] is None


@pytest.mark.asyncio
async def test_asyncio_publish_and_push_carry_the_trace_context(server: LocalServer) -> None:
    async with await aio.connect(server.url) as nc:
        sub = await nc.subscribe("traced.aio")
        await nc.publish("traced.aio", b"x", traceparent=PARENT)
        msg = await sub.next(timeout=2)
        assert msg is not None and msg.trace_context is not None
        assert msg.trace_context["trace_id"] == TRACE_ID
        q = nc.queue("traced_aio")
        await q.push("Traced", 1, traceparent=PARENT)
        job = await q.pop(timeout=2)
        assert job is not None and job.trace_context is not None
        assert job.trace_context["span_id"] == "00f067aa0ba902b7"
        await job.complete()


def test_the_current_opentelemetry_span_is_sent_when_no_traceparent_is_given(nc: natskit.Client, subject: str) -> None:
    from opentelemetry import context, trace

    span_context = trace.SpanContext(
        trace_id=int(TRACE_ID, 16), span_id=0x00F067AA0BA902B7, is_remote=False, trace_flags=trace.TraceFlags(1)
    )
    sub = nc.subscribe(subject)
    q = nc.queue("traced_otel")
    nc.publish(subject, b"before")
    token = context.attach(trace.set_span_in_context(trace.NonRecordingSpan(span_context)))
    try:
        nc.publish(subject, b"in the span")
        nc.publish(subject, b"explicit", traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")
        q.push("Traced", 1)
    finally:
        context.detach(token)
    nc.publish(subject, b"after")
    got = [sub.next(timeout=2) for _ in range(4)]
    ids = [m.trace_context["trace_id"] if m is not None and m.trace_context else None for m in got]
    assert ids == [None, TRACE_ID, "0af7651916cd43dd8448eb211c80319c", None]
    job = q.pop(timeout=2)
    assert job is not None and job.trace_context is not None and job.trace_context["span_id"] == "00f067aa0ba902b7"
    job.complete()
