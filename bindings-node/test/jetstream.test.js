'use strict'
// JetStream from Node against a real server: streams, messages, consumers, publish with
// ack (sequential and pipelined), pull fetches with metadata and acks, KV, errors.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { LocalServer, connect } = require('..')

/** One second in the host's unit (milliseconds). */
const S = 1000
let server
let nc
let js
before(async () => {
  server = await LocalServer.start({ jetstream: true })
  nc = await connect(server.url)
  js = nc.jetstream()
})
after(async () => {
  await nc.close()
  server.stop()
})

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function publishN(subject, n) {
  for (let i = 0; i < n; i++) await js.publish(subject, `m${i}`)
}

async function pullConsumer(stream, name, ackWaitMs = 30_000) {
  return js.createConsumer(stream, { durable_name: name, ack_policy: 'explicit', ack_wait: ackWaitMs })
}

test('account info and availability', async () => {
  assert.equal(await js.isAvailable(), true)
  const info = await js.accountInfo()
  assert.equal(typeof info.storage, 'number')
  assert.equal(typeof info.limits.max_streams, 'number')
  const plain = await LocalServer.start({ jetstream: false })
  const other = await connect(plain.url)
  assert.equal(await other.jetstream().isAvailable(), false)
  await assert.rejects(other.jetstream().accountInfo(), { code: 'JETSTREAM_NOT_ENABLED' })
  await other.close()
  plain.stop()
})

test('stream config round-trips; state counts publishes; update, purge, delete', async () => {
  const created = await js.createStream({
    name: 'ORDERS', subjects: ['orders.>'], description: 'orders', storage: 'memory', retention: 'limits',
    max_msgs: 1000, max_bytes: 1 << 20, max_age: 3600 * S, max_msg_size: 4096, discard: 'new',
    num_replicas: 1, duplicate_window: 60 * S, allow_msg_ttl: true,
  })
  const c = created.config
  assert.deepEqual(
    [c.name, c.subjects, c.description, c.storage, c.max_msgs, c.max_bytes, c.max_age, c.max_msg_size, c.discard, c.duplicate_window, c.allow_msg_ttl],
    ['ORDERS', ['orders.>'], 'orders', 'memory', 1000, 1 << 20, 3600 * S, 4096, 'new', 60 * S, true],
  )
  for (const s of ['orders.a', 'orders.b', 'orders.a']) await js.publish(s, { s })
  const info = await js.streamInfo('ORDERS')
  assert.deepEqual([info.state.messages, info.state.first_seq, info.state.last_seq], [3, 1, 3])
  const updated = await js.updateStream({ ...c, max_msgs: 500, description: 'changed' })
  assert.deepEqual([updated.config.max_msgs, updated.config.description], [500, 'changed'])
  assert.ok((await js.streamNames('orders.x')).includes('ORDERS'))
  assert.deepEqual(await js.streamNames('nothing.here'), [])
  assert.equal(await js.purgeStream('ORDERS', { subject: 'orders.b' }), 1)
  assert.equal(await js.purgeStream('ORDERS', { keep: 1 }), 1)
  assert.equal((await js.streamInfo('ORDERS')).state.messages, 1)
  assert.equal(await js.purgeStream('ORDERS'), 1)
  await js.deleteStream('ORDERS')
  await assert.rejects(js.streamInfo('ORDERS'), (err) => err.code === 'NOT_FOUND' && err.serverCode === 10059)
  await assert.rejects(js.createStream({ name: 'bad.name' }), { code: 'INVALID_ARGUMENT' })
})

test('stream list pages past the server page size', async () => {
  for (let i = 0; i < 260; i++) await js.createStream({ name: `P${i}`, subjects: [`p.${i}`], storage: 'memory' })
  const first = await js.listStreams()
  assert.ok(first.total >= 260)
  assert.equal(first.offset, 0)
  assert.ok(first.items.length > 0 && first.items.length < first.total)
  const second = await js.listStreams({ offset: first.items.length })
  assert.equal(second.offset, first.items.length)
  const names = new Set([...first.items, ...second.items].map((i) => i.config.name))
  for (let i = 0; i < 260; i++) assert.ok(names.has(`P${i}`), `P${i} listed`)
  assert.ok((await js.streamNames()).length >= 260)
  for (let i = 0; i < 260; i++) await js.deleteStream(`P${i}`)
})

test('messages by sequence and last-by-subject; delete one', async () => {
  await js.createStream({ name: 'MSGS', subjects: ['m.*'], allow_msg_ttl: true })
  await js.publish('m.a', 'one', { headers: { 'X-N': '1' } })
  await js.publish('m.b', 'two')
  const ttl = await js.publish('m.a', 'three', { ttl: 60_000 })
  const byseq = await js.getMessage('MSGS', 1)
  assert.deepEqual([byseq.subject, byseq.sequence, byseq.data.toString(), byseq.headers['X-N']], ['m.a', 1, 'one', ['1']])
  assert.ok(!Number.isNaN(Date.parse(byseq.time)))
  const last = await js.getLastMessage('MSGS', 'm.a')
  assert.deepEqual([last.sequence, last.data.toString(), last.headers['Nats-TTL']], [ttl.sequence, 'three', ['60']])
  await js.deleteMessage('MSGS', 2)
  await assert.rejects(js.getMessage('MSGS', 2), { code: 'NOT_FOUND' })
  assert.equal((await js.streamInfo('MSGS')).state.messages, 2)
  await js.deleteStream('MSGS')
})

test('consumer config round-trips; counters follow acks; list, pause, resume, delete', async () => {
  await js.createStream({ name: 'CONS', subjects: ['c.>'] })
  const cfg = {
    durable_name: 'worker', description: 'w', filter_subject: 'c.in', deliver_policy: 'all', ack_policy: 'explicit',
    ack_wait: S, max_deliver: 4, backoff: [S, 2 * S], max_ack_pending: 100, replay_policy: 'instant',
    inactive_threshold: 3600 * S,
  }
  const info = await js.createConsumer('CONS', cfg)
  const c = info.config
  assert.deepEqual(
    [c.durable_name, c.description, c.filter_subject, c.deliver_policy, c.ack_policy, c.ack_wait, c.max_deliver, c.backoff, c.max_ack_pending, c.replay_policy],
    ['worker', 'w', 'c.in', 'all', 'explicit', S, 4, [S, 2 * S], 100, 'instant'],
  )
  const updated = await js.updateConsumer('CONS', { ...c, description: 'changed' })
  assert.equal(updated.config.description, 'changed')
  await js.createConsumer('CONS', { durable_name: 'other', ack_policy: 'none', filter_subjects: ['c.x', 'c.y'] })

  await publishN('c.in', 5)
  await publishN('c.out', 2)
  let now = await js.consumerInfo('CONS', 'worker')
  assert.deepEqual([now.num_pending, now.num_ack_pending], [5, 0])
  const got = await js.fetch('CONS', 'worker', 3, { timeout: 1000 })
  assert.equal(got.length, 3)
  await got[0].doubleAck()
  now = await js.consumerInfo('CONS', 'worker')
  assert.deepEqual([now.num_pending, now.num_ack_pending, now.delivered.stream_seq, now.ack_floor.stream_seq], [2, 2, 3, 1])
  for (const m of got.slice(1)) await m.doubleAck()

  const page = await js.listConsumers('CONS')
  assert.deepEqual(page.items.map((i) => i.name).sort(), ['other', 'worker'])
  assert.deepEqual((await js.consumerNames('CONS')).sort(), ['other', 'worker'])

  const until = new Date(Date.now() + 60_000)
  const paused = await js.pauseConsumer('CONS', 'worker', until)
  assert.equal(paused.paused, true)
  assert.equal(Math.round(Date.parse(paused.pause_until) / 1000), Math.round(until.getTime() / 1000))
  assert.equal((await js.consumerInfo('CONS', 'worker')).paused, true)
  assert.deepEqual(await js.fetch('CONS', 'worker', 2, { timeout: 300 }), [])
  const resumed = await js.resumeConsumer('CONS', 'worker')
  assert.equal(resumed.paused, false)
  assert.equal((await js.fetch('CONS', 'worker', 2, { timeout: 1000 })).length, 2)

  await js.deleteConsumer('CONS', 'other')
  await assert.rejects(js.consumerInfo('CONS', 'other'), (err) => err.code === 'NOT_FOUND' && err.serverCode === 10014)
  await js.deleteStream('CONS')
})

test('fetch returns messages with metadata; a timed-out fetch leaves no waiting pull', async () => {
  await js.createStream({ name: 'F', subjects: ['f.*'] })
  await js.publish('f.a', { n: 1 }, { headers: { 'X-K': ['a', 'b'] } })
  await js.publish('f.b', 'two')
  await pullConsumer('F', 'w')
  const [m1, m2] = await js.fetch('F', 'w', 2, { timeout: 1000 })
  assert.deepEqual(m1.json(), { n: 1 })
  assert.equal(m1.subject, 'f.a')
  assert.deepEqual(m1.headers['X-K'], ['a', 'b'])
  assert.equal(m1.header('x-k'), 'a')
  const md = m1.metadata
  assert.deepEqual([md.stream, md.consumer, md.stream_seq, md.consumer_seq, md.delivered, md.pending], ['F', 'w', 1, 1, 1, 1])
  assert.ok(Math.abs(Date.parse(md.timestamp) - Date.now()) < 60_000)
  assert.equal(m2.metadata.pending, 0)
  assert.equal(m2.string(), 'two')
  await m1.ack()
  await m2.ack()
  assert.equal(await js.fetchNext('F', 'w', { noWait: true, timeout: 500 }), null)
  assert.deepEqual(await js.fetch('F', 'w', 5, { timeout: 300 }), [])
  assert.equal((await js.consumerInfo('F', 'w')).num_waiting, 0)
  await assert.rejects(js.fetch('F', 'missing', 1), { code: 'NOT_FOUND' })
  await js.deleteStream('F')
})

test('nak(delay) redelivers no sooner than the delay; term never redelivers', async () => {
  await js.createStream({ name: 'N', subjects: ['n', 't'] })
  await js.publish('n', 'x')
  await js.createConsumer('N', { durable_name: 'n', ack_policy: 'explicit', filter_subject: 'n' })
  const m = await js.fetchNext('N', 'n', { timeout: 1000 })
  const nakAt = Date.now()
  await m.nak(1500)
  assert.equal(await js.fetchNext('N', 'n', { noWait: true, timeout: 500 }), null)
  const again = await js.fetchNext('N', 'n', { timeout: 5000 })
  assert.ok(again, 'redelivered')
  assert.ok(Date.now() - nakAt >= 1450)
  assert.equal(again.metadata.delivered, 2)
  await again.doubleAck()

  await js.publish('t', 'y')
  await js.createConsumer('N', { durable_name: 't', ack_policy: 'explicit', filter_subject: 't', ack_wait: 300_000_000 })
  const t = await js.fetchNext('N', 't', { timeout: 1000 })
  await t.term('cannot parse')
  assert.equal(await js.fetchNext('N', 't', { timeout: 800 }), null)
  const info = await js.consumerInfo('N', 't')
  assert.deepEqual([info.num_ack_pending, info.num_redelivered, info.num_pending], [0, 0, 0])
  await js.deleteStream('N')
})

test('inProgress extends the ack wait', async () => {
  await js.createStream({ name: 'W', subjects: ['w'] })
  await js.publish('w', 'slow')
  await pullConsumer('W', 'w', 1000)
  const m = await js.fetchNext('W', 'w', { timeout: 1000 })
  for (let i = 0; i < 5; i++) {
    await sleep(300)
    await m.inProgress()
  }
  assert.equal(await js.fetchNext('W', 'w', { noWait: true, timeout: 300 }), null)
  assert.equal((await js.consumerInfo('W', 'w')).num_redelivered, 0)
  await m.doubleAck()
  assert.equal((await js.consumerInfo('W', 'w')).num_ack_pending, 0)
  await js.deleteStream('W')
})

test('publish: dedup by msgId; expected-last-seq conflicts are errors', async () => {
  await js.createStream({ name: 'DD', subjects: ['dd.*'] })
  const a = await js.publish('dd.a', 'x', { msgId: 'id-1' })
  const b = await js.publish('dd.a', 'x', { msgId: 'id-1' })
  assert.deepEqual([a.stream, a.sequence, a.duplicate], ['DD', 1, false])
  assert.deepEqual([b.sequence, b.duplicate], [1, true])
  assert.equal((await js.publish('dd.a', 'y', { expectedLastSeq: 1, expectedStream: 'DD' })).sequence, 2)
  await assert.rejects(js.publish('dd.a', 'z', { expectedLastSeq: 1 }), (err) => err.code === 'JETSTREAM' && err.serverCode === 10071)
  await assert.rejects(js.publish('dd.b', 'z', { expectedLastSubjectSeq: 5 }), { code: 'JETSTREAM' })
  await assert.rejects(js.publish('dd.a', 'z', { expectedLastMsgId: 'nope' }), { code: 'JETSTREAM' })
  await assert.rejects(js.publish('nostream.here', 'z'), { code: 'NO_RESPONDERS' })
  await js.deleteStream('DD')
})

test('pipelined publisher keeps a bounded window and acks every message; consume iterates', async () => {
  await js.createStream({ name: 'PIPE', subjects: ['pipe'] })
  const pub = js.publisher(16)
  let most = 0
  for (let i = 0; i < 500; i++) {
    await pub.publish('pipe', `m${i}`, i === 0 ? { msgId: 'first' } : undefined)
    most = Math.max(most, pub.inFlight)
  }
  assert.ok(most <= 16, `in flight ${most}`)
  await pub.publish('pipe', 'dup', { msgId: 'first' })
  const summary = await pub.wait()
  assert.deepEqual(summary, { acked: 501, duplicates: 1, last_sequence: 500 })
  assert.equal(pub.inFlight, 0)

  await pullConsumer('PIPE', 'all')
  const seen = []
  for await (const m of await js.consume('PIPE', 'all', { batch: 64 })) {
    seen.push(m.string())
    await m.ack()
    if (seen.length === 500) break
  }
  assert.deepEqual(seen.slice(0, 3), ['m0', 'm1', 'm2'])
  assert.equal(seen[499], 'm499')
  for (const bad of [{ batch: 0 }, { batch: 1.5 }, { expires: -1 }, { max: 3 }]) {
    await assert.rejects(js.consume('PIPE', 'all', bad), { code: 'INVALID_ARGUMENT' }, JSON.stringify(bad))
  }
  const idle = await js.consume('PIPE', 'all', { expires: 500 })
  assert.equal(await idle.next(200), null)
  const waiting = idle.next()
  setTimeout(() => idle.stop(), 100)
  await assert.rejects(waiting, { code: 'CLOSED' })
  await js.deleteStream('PIPE')
})

test('KV: put, get, create, update (CAS), delete, purge, keys, history, watch', async () => {
  const kv = await js.createKv({ bucket: 'cfg', history: 5 })
  assert.equal(kv.bucket, 'cfg')
  const r1 = await kv.put('color', 'red')
  const r2 = await kv.put('color', Buffer.from('blue'))
  assert.ok(r2 > r1)
  const e = await kv.get('color')
  assert.deepEqual([e.key, e.value.toString(), e.revision, e.operation], ['color', 'blue', r2, 'PUT'])
  assert.equal(await kv.get('none'), null)
  const r3 = await kv.create('size', { w: 1 })
  assert.deepEqual(JSON.parse((await kv.get('size')).value), { w: 1 })
  await assert.rejects(kv.create('size', 'again'), (err) => err.code === 'JETSTREAM' && err.serverCode === 10071)
  const r4 = await kv.update('size', 'L', r3)
  assert.ok(r4 > r3)
  await assert.rejects(kv.update('size', 'XL', r3), (err) => err.code === 'JETSTREAM' && err.serverCode === 10071)
  assert.deepEqual((await kv.keys()).sort(), ['color', 'size'])
  const history = await kv.history('color')
  assert.deepEqual(history.map((h) => h.value.toString()), ['red', 'blue'])
  await kv.delete('color')
  assert.equal(await kv.get('color'), null)
  assert.deepEqual((await kv.history('color')).map((h) => h.operation), ['PUT', 'PUT', 'DEL'])
  await kv.purge('size')
  assert.deepEqual(await kv.keys(), [])

  const watch = await kv.watch('live.>')
  const changes = []
  const reading = (async () => {
    for await (const entry of watch) {
      changes.push([entry.key, entry.value.toString(), entry.operation])
      if (changes.length === 3) break
    }
  })()
  await sleep(100)
  await kv.put('live.a', '1')
  await kv.put('other', 'ignored')
  await kv.put('live.b', '2')
  await kv.delete('live.a')
  await reading
  assert.deepEqual(changes, [['live.a', '1', 'PUT'], ['live.b', '2', 'PUT'], ['live.a', '', 'DEL']])
  assert.equal((await (await js.kv('cfg')).get('live.b')).value.toString(), '2')
  await js.deleteKv('cfg')
  await assert.rejects(js.kv('cfg'), { code: 'NOT_FOUND' })
})

/** Entries until `ms` pass with none, as `key=value` or `key:OP`. */
async function drain(watch, ms = 300) {
  const seen = []
  for (let e; (e = await watch.next(ms)) !== null;) {
    seen.push(e.operation === 'PUT' ? `${e.key}=${e.value}` : `${e.key}:${e.operation}`)
  }
  return seen
}

test('kv watch yields current values first, then changes, with its options', async () => {
  const kv = await js.createKv({ bucket: 'nodewatch', history: 5, storage: 'memory' })
  await kv.put('color', 'red')
  await kv.put('color', 'blue')
  await kv.put('size', 'L')
  await kv.delete('size')
  const watch = await kv.watch('>')
  assert.equal(watch.initialDone, false)
  assert.deepEqual(await drain(watch), ['color=blue', 'size:DEL'])
  assert.equal(watch.initialDone, true)
  assert.deepEqual(await drain(await kv.watch('>', { includeHistory: true })), ['color=red', 'color=blue', 'size=L', 'size:DEL'])
  assert.deepEqual(await drain(await kv.watch('>', { ignoreDeletes: true })), ['color=blue'])
  const updates = await kv.watch('>', { updatesOnly: true })
  assert.equal(updates.initialDone, true)
  assert.equal(await updates.next(300), null)
  await kv.put('size', 'M')
  await kv.purge('color')
  assert.deepEqual(await drain(updates), ['size=M', 'color:PURGE'])
  await assert.rejects(kv.watch('>', { includeHistory: true, updatesOnly: true }), { code: 'INVALID_ARGUMENT' })
  await assert.rejects(kv.watch('>', { history: true }), { code: 'INVALID_ARGUMENT' })

  const seen = []
  for await (const e of await kv.watch('size')) {
    seen.push(e.value.toString())
    break
  }
  assert.deepEqual(seen, ['M'])
  assert.deepEqual(await drain(watch), ['size=M', 'color:PURGE'])
  const ended = assert.rejects(watch.next(), { code: 'CLOSED' })
  await sleep(100)
  await watch.stop()
  await ended
  await assert.rejects(watch.next(0), { code: 'CLOSED' })
  await js.deleteKv('nodewatch')
})

test('durations are milliseconds in configs and infos; TTLs must be whole seconds', async () => {
  await js.createStream({ name: 'UNITS', subjects: ['units.>'], storage: 'memory', max_age: 90_000, allow_msg_ttl: true })
  assert.equal((await js.streamInfo('UNITS')).config.max_age, 90_000)
  const info = await js.createConsumer('UNITS', { durable_name: 'u', ack_policy: 'explicit', ack_wait: 2500, backoff: [2500, 4000], max_deliver: 3 })
  assert.deepEqual([info.config.ack_wait, info.config.backoff], [2500, [2500, 4000]])
  for (const ttl of [1500, 500, -1000, NaN]) {
    await assert.rejects(js.publish('units.a', 'x', { ttl }), { code: 'INVALID_ARGUMENT' }, `ttl ${ttl}`)
  }
  await assert.rejects(js.createStream({ name: 'BAD', subjects: ['bad'], max_age: -1 }), { code: 'INVALID_ARGUMENT' })
  const ack = await js.publish('units.a', 'x', { ttl: 2000 })
  assert.deepEqual((await js.getMessage('UNITS', ack.sequence)).headers['Nats-TTL'], ['2'])
  const m = await js.fetchNext('UNITS', 'u', { timeout: 0 })
  await m.ack()
  const started = Date.now()
  assert.equal(await js.fetchNext('UNITS', 'u', { timeout: 0 }), null)
  assert.ok(Date.now() - started < 1000, 'timeout 0 = no wait')
  await js.deleteStream('UNITS')
})

test('health reports what is missing and what lags, durations in ms', async () => {
  await js.createStream({ name: 'HEALTH', subjects: ['health.>'], storage: 'memory' })
  await pullConsumer('HEALTH', 'reader')
  await publishN('health.x', 3)
  const ok = await nc.health()
  assert.equal(ok.status, 'OK')
  assert.equal(ok.checks[0].name, 'connection')
  assert.ok(ok.checks[0].rtt > 0.001 && ok.checks[0].rtt < 1000, `${ok.checks[0].rtt} ms`)
  const missing = await nc.health({ streams: ['HEALTH', 'GONE'], rtt: { crit: 60 * S } })
  assert.equal(missing.status, 'CRITICAL')
  assert.deepEqual(Object.fromEntries(missing.checks.map((c) => [c.name, c.status])), {
    connection: 'OK', jetstream: 'OK', 'stream:HEALTH': 'OK', 'stream:GONE': 'CRITICAL',
  })
  const lagging = await nc.health({ consumers: ['HEALTH:reader'], lag: { warn: 2 } })
  assert.equal(lagging.status, 'WARNING')
  assert.equal(lagging.checks.at(-1).lag, 3)
  await assert.rejects(nc.health({ consumers: ['no-colon'] }), { code: 'INVALID_ARGUMENT' })
  await assert.rejects(nc.health({ age: { warn: -1 } }), { code: 'INVALID_ARGUMENT' })
  await js.deleteStream('HEALTH')
})
