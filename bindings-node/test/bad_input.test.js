'use strict'
// Bad input (issue 14): circular and deep objects, huge durations, bad headers, KV keys and
// counts, and wrong argument types are errors with a natskit `code`, never a crash, a
// `GenericFailure` or a raw napi status; the connection stays usable after each.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const natskit = require('..')
const { connect, Manager, isNatskitError } = natskit
const { serverAndClient } = require('./helpers')

let server
let nc
let js
before(async () => {
  ;({ server, nc } = await serverAndClient({ jetstream: true }))
  js = nc.jetstream()
  await js.createStream({ name: 'BAD', subjects: ['bad.>'] })
  await js.createConsumer('BAD', { durable_name: 'c', ack_policy: 'explicit' })
})
after(async () => {
  await nc.close()
  server.stop()
})

/** Runs `call` (throwing or rejecting) and checks its natskit code. */
async function rejects(call, code, what = '') {
  await assert.rejects(async () => call(), (err) => {
    assert.ok(isNatskitError(err), `${what}: ${err.code} ${err.message}`)
    assert.equal(err.code, code, `${what}: ${err.message}`)
    return true
  })
}

/** The connection still carries a request and its reply. */
async function stillUsable() {
  const sub = await nc.subscribe('alive.echo')
  nc.publish('alive.echo', 'ping')
  const msg = await sub.next(5000)
  assert.equal(msg.string(), 'ping')
  await sub.unsubscribe()
}

test('circular objects are SERIALIZATION errors in publish and js.publish', async () => {
  const circular = { name: 'loop' }
  circular.self = circular
  await rejects(() => nc.publish('bad.a', circular), 'SERIALIZATION', 'publish')
  await rejects(() => nc.publish('bad.a', [circular]), 'SERIALIZATION', 'publish in a list')
  await rejects(() => js.publish('bad.a', circular), 'SERIALIZATION', 'js.publish')
  await rejects(() => nc.request('bad.r', circular, { timeout: 100 }), 'SERIALIZATION', 'request')
  await rejects(() => nc.publish('bad.a', { n: 10n }), 'SERIALIZATION', 'a BigInt')
  await stillUsable()
})

test('deeply nested objects are encoded as JSON.stringify does, or refused, never a crash', async () => {
  let deep = {}
  for (let i = 0; i < 2000; i++) deep = { d: deep }
  const ack = await js.publish('bad.deep', deep)
  assert.equal(ack.stream, 'BAD')
  let tooDeep = {}
  for (let i = 0; i < 200_000; i++) tooDeep = { d: tooDeep }
  await rejects(() => nc.publish('bad.a', tooDeep), 'SERIALIZATION', 'publish')
  await rejects(() => js.publish('bad.a', tooDeep), 'SERIALIZATION', 'js.publish')
  await rejects(() => nc.queue('bad').push('Job', deep), 'INVALID_ARGUMENT', 'push')
  await stillUsable()
})

test('huge, negative and NaN durations are INVALID_ARGUMENT naming the field', async () => {
  const sub = await nc.subscribe('bad.quiet')
  for (const timeout of [1e300, -5, NaN, Infinity]) {
    await rejects(() => nc.request('bad.r', 'x', { timeout }), 'INVALID_ARGUMENT', `request ${timeout}`)
    await rejects(() => sub.next(timeout), 'INVALID_ARGUMENT', `next ${timeout}`)
    await rejects(() => js.fetch('BAD', 'c', 1, { timeout }), 'INVALID_ARGUMENT', `fetch ${timeout}`)
    await rejects(() => nc.queue('bad').push('Job', {}, { delay: timeout }), 'INVALID_ARGUMENT', `delay ${timeout}`)
  }
  await assert.rejects(nc.request('bad.r', 'x', { timeout: 1e300 }), /timeout/)
  await sub.unsubscribe()
  await rejects(() => connect({ servers: server.url, connect_timeout: 1e300 }), 'CONFIG', 'connect_timeout')
  await rejects(() => connect({ servers: server.url, reconnect: { delay: 1e300 } }), 'CONFIG', 'reconnect.delay')
  await stillUsable()
})

test('headers the server would misread are INVALID_ARGUMENT, not dropped', async () => {
  const sub = await nc.subscribe('bad.h')
  for (const headers of [{ a: 'b\r\nc' }, { 'a b': 'v' }, { 'a:b': 'v' }, { '': 'v' }, { ok: ['x', 'y\nz'] }]) {
    await rejects(() => nc.publish('bad.h', 'x', { headers }), 'INVALID_ARGUMENT', JSON.stringify(headers))
    await rejects(() => js.publish('bad.h', 'x', { headers }), 'INVALID_ARGUMENT', JSON.stringify(headers))
  }
  nc.publish('bad.h', 'fine', { headers: { 'X-Ok': 'a b: c' } })
  const msg = await sub.next(5000)
  assert.equal(msg.string(), 'fine')
  await sub.unsubscribe()
})

test('counts and revisions are whole numbers in range', async () => {
  for (const n of [-1, NaN, 0, 1.5]) {
    await rejects(() => js.fetch('BAD', 'c', n), 'INVALID_ARGUMENT', `fetch max ${n}`)
    await rejects(() => js.publisher(n), 'INVALID_ARGUMENT', `publisher ${n}`)
  }
  const kv = await js.createKv({ bucket: 'BAD_KV' })
  const revision = await kv.put('k', 'v')
  await rejects(() => kv.update('k', 'w', 2 ** 64), 'INVALID_ARGUMENT', 'revision 2**64')
  await rejects(() => kv.update('k', 'w', -1), 'INVALID_ARGUMENT', 'revision -1')
  assert.equal((await kv.get('k')).revision, revision)
  for (const key of ['a b', 'a..b', '', '.a', 'a.']) {
    await rejects(() => kv.put(key, 'v'), 'INVALID_ARGUMENT', `key ${JSON.stringify(key)}`)
  }
  assert.ok(await kv.put('a.b', 'v'))
})

test('wrong argument types throw or reject with INVALID_ARGUMENT', async () => {
  await rejects(() => nc.subscribe(null), 'INVALID_ARGUMENT', 'subscribe(null)')
  await rejects(() => nc.publish(42, 'x'), 'INVALID_ARGUMENT', 'publish(42)')
  await rejects(() => nc.request(null, 'x'), 'INVALID_ARGUMENT', 'request(null)')
  await rejects(() => nc.queue('bad').push(null, {}), 'INVALID_ARGUMENT', 'push(null)')
  await rejects(() => nc.queue(42), 'INVALID_ARGUMENT', 'queue(42)')
  await rejects(() => js.fetch(null, 'c', 1), 'INVALID_ARGUMENT', 'fetch(null)')
  await rejects(() => js.streamInfo({}), 'INVALID_ARGUMENT', 'streamInfo({})')
  await rejects(() => connect({ servers: server.url, request_timeout: NaN }), 'INVALID_ARGUMENT', 'request_timeout NaN')
  await rejects(() => Manager.fromFile(42), 'INVALID_ARGUMENT', 'Manager.fromFile(42)')
  await stillUsable()
})
