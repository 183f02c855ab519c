'use strict'
// W3C trace context from Node: given to publish, request and push, read from messages and jobs.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { serverAndClient } = require('./helpers')

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'

test('a published traceparent arrives in the subscriber; a malformed one received is null', async () => {
  const { server, nc } = await serverAndClient()
  const sub = nc.subscribe('traced')
  nc.publish('traced', 'a', { traceparent: PARENT, tracestate: 'vendor=1' })
  nc.publish('traced', 'b', { headers: { traceparent: '00-not-a-trace-context' } })
  nc.publish('traced', 'c')
  const first = await sub.next(2000)
  assert.deepEqual(first.traceContext, {
    trace_id: TRACE_ID,
    span_id: '00f067aa0ba902b7',
    flags: 1,
    sampled: true,
    tracestate: 'vendor=1',
  })
  assert.equal((await sub.next(2000)).traceContext, null)
  assert.equal((await sub.next(2000)).traceContext, null)

  const responder = nc.subscribe('traced.svc', { callback: (m) => m.respond(m.traceContext.trace_id) })
  await nc.flush()
  const reply = await nc.request('traced.svc', 'q', { traceparent: PARENT, timeout: 2000 })
  assert.equal(reply.string(), TRACE_ID)
  responder.unsubscribe()

  const invalid = (fn, what) => assert.throws(fn, (e) => e.code === 'INVALID_ARGUMENT' && e.message.includes(what))
  invalid(() => nc.publish('traced', 'x', { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }), 'traceparent')
  invalid(() => nc.publish('traced', 'x', { tracestate: 'a=1' }), 'tracestate needs a traceparent')
  await assert.rejects(nc.request('traced.svc', 'x', { traceparent: 'nope' }), (e) => e.code === 'INVALID_ARGUMENT')
  await nc.close()
  server.stop()
})

test('a pushed trace context arrives in the worker handler, and none when pushed without', async () => {
  const { server, nc } = await serverAndClient({ jetstream: true })
  const q = nc.queue('traced_node')
  await assert.rejects(q.push('Job', 1, { traceparent: 'garbage' }), (e) => e.code === 'INVALID_ARGUMENT')
  await q.push('Traced', 1, { traceparent: PARENT, tracestate: 'k=v' })
  await q.push('Plain', 2)
  const seen = {}
  const worker = nc.worker({ queues: ['traced_node'], maxJobs: 2, sleep: 200 })
  worker.handle('Traced', (job) => { seen.traced = job.traceContext })
  worker.handle('Plain', (job) => { seen.plain = job.traceContext })
  await worker.run()
  assert.equal(seen.traced.trace_id, TRACE_ID)
  assert.equal(seen.traced.tracestate, 'k=v')
  assert.equal(seen.plain, null)
  await nc.close()
  server.stop()
})

test('without a traceparent, publish and push send the active OpenTelemetry span', async () => {
  const api = require('@opentelemetry/api')
  const { AsyncLocalStorage } = require('node:async_hooks')
  // The least context manager (an SDK registers its own): contexts follow async calls.
  const storage = new AsyncLocalStorage()
  api.context.setGlobalContextManager({
    active: () => storage.getStore() || api.ROOT_CONTEXT,
    with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.call(thisArg, ...args)),
    bind: (_ctx, target) => target,
    enable() { return this },
    disable() { return this },
  })
  const span = api.trace.wrapSpanContext({ traceId: TRACE_ID, spanId: '00f067aa0ba902b7', traceFlags: 1 })
  const { server, nc } = await serverAndClient({ jetstream: true })
  const sub = nc.subscribe('traced.otel')
  const q = nc.queue('traced_otel')
  nc.publish('traced.otel', 'before')
  await api.context.with(api.trace.setSpan(api.context.active(), span), async () => {
    nc.publish('traced.otel', 'in the span')
    nc.publish('traced.otel', 'explicit', { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00' })
    await q.push('Traced', 1)
  })
  nc.publish('traced.otel', 'after')
  const ids = []
  for (let i = 0; i < 4; i++) {
    const ctx = (await sub.next(2000)).traceContext
    ids.push(ctx === null ? null : ctx.trace_id)
  }
  assert.deepEqual(ids, [null, TRACE_ID, '0af7651916cd43dd8448eb211c80319c', null])
  const job = await q.pop(2000)
  assert.equal(job.traceContext.span_id, '00f067aa0ba902b7')
  await job.complete()
  api.context.disable()
  await nc.close()
  server.stop()
})
