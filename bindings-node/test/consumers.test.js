'use strict'
// Ordered consumers, push consumers through consume(), consume()'s idle heartbeats, and interop
// with nats.js (KV writes seen by a watch, ordered reading both ways), against real servers
// (restarted or killed where told).

const { test } = require('node:test')
const assert = require('node:assert/strict')
const natsjs = require('@nats-io/transport-node')
const { jetstream: natsJetstream } = require('@nats-io/jetstream')
const { LocalServer, connect } = require('..')

async function jsServer() {
  const server = await LocalServer.start({ jetstream: true })
  const nc = await connect(server.url)
  return { server, nc, js: nc.jetstream() }
}

async function publish(js, subject, from, to) {
  const pub = js.publisher(256)
  for (let i = from; i < to; i++) await pub.publish(subject, `m${i}`)
  assert.equal((await pub.wait()).acked, to - from)
}

test('ordered() reads 10k messages in order across a server restart, without gaps or duplicates', async () => {
  const { server, nc, js } = await jsServer()
  try {
    await js.createStream({ name: 'O', subjects: ['o.>'], storage: 'file' })
    await publish(js, 'o.x', 0, 5000)
    const messages = await js.ordered('O', { heartbeat: 300 })
    for (let i = 0; i < 10000; i++) {
      if (i === 2500) {
        await server.startAgain()
        await publish(js, 'o.y', 5000, 10000)
      }
      const m = await messages.next(10000)
      assert.ok(m, `a message after ${i}`)
      assert.equal(m.metadata.stream_seq, i + 1)
      assert.equal(m.string(), `m${i}`)
    }
    assert.equal(await messages.next(300), null)
    await messages.stop()
  } finally {
    await nc.close()
    server.stop()
  }
})

test('ordered() starts where told, filters subjects and refuses bad options', async () => {
  const { server, nc, js } = await jsServer()
  try {
    await js.createStream({ name: 'P', subjects: ['p.*'], storage: 'memory' })
    for (const s of ['p.a', 'p.b', 'p.a', 'p.b']) await js.publish(s, 'x')
    const read = async (options) => {
      const got = []
      const messages = await js.ordered('P', options)
      for (let m; (m = await messages.next(300)) !== null;) got.push(m.metadata.stream_seq)
      await messages.stop()
      return got
    }
    assert.deepEqual(await read(), [1, 2, 3, 4])
    assert.deepEqual(await read({ filter_subjects: 'p.a' }), [1, 3])
    assert.deepEqual(await read({ deliver_policy: 'last_per_subject', filter_subjects: ['p.*'] }), [3, 4])
    assert.deepEqual(await read({ opt_start_seq: 3 }), [3, 4])
    assert.deepEqual(await read({ opt_start_time: new Date(Date.now() + 3_600_000) }), [])
    assert.deepEqual(await read({ opt_start_time: new Date(Date.now() - 3_600_000), filter_subjects: 'p.b' }), [2, 4])
    assert.deepEqual(await read({ opt_start_time: '2020-01-01T00:00:00Z' }), [1, 2, 3, 4])
    for (const bad of [{ deliver_policy: 'first' }, { opt_start_seq: 0 }, { heartbeat: -1 }, { batch: 1 }]) {
      await assert.rejects(js.ordered('P', bad), (e) => e.code === 'INVALID_ARGUMENT')
    }
  } finally {
    await nc.close()
    server.stop()
  }
})

test('consume() rejects with NOT_FOUND when its consumer is deleted and TIMEOUT when the server dies', async () => {
  const { server, nc, js } = await jsServer()
  try {
    await js.createStream({ name: 'H', subjects: ['h'], storage: 'memory' })
    for (const name of ['a', 'b']) await js.createConsumer('H', { durable_name: name, ack_policy: 'explicit' })
    const a = await js.consume('H', 'a', { heartbeat: 300 })
    assert.equal(await a.next(800), null)
    await js.deleteConsumer('H', 'a')
    let started = Date.now()
    await assert.rejects(a.next(), (e) => e.code === 'NOT_FOUND')
    assert.ok(Date.now() - started < 3000)
    await assert.rejects(js.consume('H', 'b', { heartbeat: 600, expires: 1000 }), (e) => e.code === 'INVALID_ARGUMENT')
    const b = await js.consume('H', 'b', { heartbeat: 300 })
    assert.equal(await b.next(800), null)
    server.kill()
    started = Date.now()
    await assert.rejects(b.next(), (e) => e.code === 'TIMEOUT' && /heartbeat/.test(e.message))
    assert.ok(Date.now() - started < 3000)
    await b.stop()
    await server.startAgain()
  } finally {
    await nc.close()
    server.stop()
  }
})

test('consume() reads a push consumer with ack, nak, term and in-progress', async () => {
  const { server, nc, js } = await jsServer()
  try {
    await js.createStream({ name: 'PU', subjects: ['pu'], storage: 'memory' })
    await js.createConsumer('PU', {
      durable_name: 'push', deliver_subject: 'deliver.pu', deliver_group: 'g', ack_policy: 'explicit',
      flow_control: true, idle_heartbeat: 500,
    })
    await publish(js, 'pu', 0, 100)
    const messages = await js.consume('PU', 'push')
    // First deliveries come in order; the nak'd first message comes again among them.
    let first = 0
    let redelivered = false
    while (first < 100 || !redelivered) {
      const m = await messages.next(5000)
      if (m.metadata.delivered === 2) {
        assert.equal(m.metadata.stream_seq, 1)
        await m.doubleAck()
        redelivered = true
        continue
      }
      assert.equal(m.metadata.stream_seq, ++first)
      if (first === 1) await m.nak()
      else if (first === 2) await m.term('bad')
      else {
        await m.inProgress()
        await m.ack()
      }
    }
    assert.equal(await messages.next(1500), null)
    const info = await js.consumerInfo('PU', 'push')
    assert.deepEqual([info.num_ack_pending, info.num_pending], [0, 0])
    await messages.stop()
  } finally {
    await nc.close()
    server.stop()
  }
})

test('a natskit KV watch sees the puts and deletes nats.js makes', async () => {
  const { server, nc, js } = await jsServer()
  const other = await natsjs.connect({ servers: server.url })
  try {
    const kv = await js.createKv({ bucket: 'interop', history: 5, storage: 'memory' })
    const watch = await kv.watch('>')
    const theirs = natsJetstream(other)
    await theirs.publish('$KV.interop.color', 'blue')
    const h = natsjs.headers()
    h.set('KV-Operation', 'DEL')
    await theirs.publish('$KV.interop.color', '', { headers: h })
    const seen = []
    for (let e; seen.length < 2 && (e = await watch.next(5000)) !== null;) seen.push(`${e.key}:${e.operation}:${Buffer.from(e.value).toString()}`)
    assert.deepEqual(seen, ['color:PUT:blue', 'color:DEL:'])
    await watch.stop()
  } finally {
    await other.close()
    await nc.close()
    server.stop()
  }
})

test('ordered() reads what nats.js publishes, and a nats.js ordered consumer what natskit publishes', async () => {
  const { server, nc, js } = await jsServer()
  const other = await natsjs.connect({ servers: server.url })
  try {
    await js.createStream({ name: 'MIX', subjects: ['mix.>'], storage: 'memory' })
    const theirs = natsJetstream(other)
    for (let i = 0; i < 50; i++) {
      await theirs.publish('mix.js', `js${i}`)
      await js.publish('mix.kit', `kit${i}`)
    }
    const ours = await js.ordered('MIX', { filter_subjects: 'mix.js' })
    const got = []
    for (let i = 0; i < 50; i++) got.push((await ours.next(5000)).string())
    assert.deepEqual(got, Array.from({ length: 50 }, (_, i) => `js${i}`))
    await ours.stop()
    const ordered = await theirs.consumers.get('MIX', { filter_subjects: 'mix.kit' })
    const seen = []
    for await (const m of await ordered.consume()) {
      seen.push(m.string())
      if (seen.length === 50) break
    }
    assert.deepEqual(seen, Array.from({ length: 50 }, (_, i) => `kit${i}`))
  } finally {
    await other.close()
    await nc.close()
    server.stop()
  }
})
