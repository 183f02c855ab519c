'use strict'
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { isMainThread, threadId } = require('node:worker_threads')
const { serverAndClient, until } = require('./helpers')

let server
let nc

before(async () => {
  ;({ server, nc } = await serverAndClient())
})

after(async () => {
  await nc.close()
  server.stop()
})

test('callbacks run on the JavaScript thread, one message at a time, in order', async () => {
  const got = []
  let inside = false
  let overlapped = false
  const sub = nc.subscribe('cb.order', {
    callback: (m) => {
      if (inside) overlapped = true
      inside = true
      assert.ok(isMainThread)
      assert.equal(threadId, 0)
      got.push(Number(m.string()))
      inside = false
    },
  })
  await nc.flush()
  for (let i = 0; i < 500; i++) nc.publish('cb.order', String(i))
  await until(() => got.length === 500, 5000, '500 callbacks')
  assert.equal(overlapped, false)
  assert.deepEqual(got, [...Array(500).keys()])
  await sub.unsubscribe()
})

test('no callback runs after unsubscribe() returns, even mid-batch', async () => {
  let count = 0
  let sub = null
  sub = nc.subscribe('cb.stop', {
    callback: () => {
      count++
      if (count === 10) sub.unsubscribe()
    },
  })
  await nc.flush()
  for (let i = 0; i < 1000; i++) nc.publish('cb.stop', 'x')
  await nc.flush()
  await new Promise((r) => setTimeout(r, 100))
  assert.equal(count, 10)
  assert.equal(sub.isClosed, true)
})

test('the event loop keeps ticking while 100,000 messages arrive', async () => {
  const total = 100_000
  let received = 0
  let ticks = 0
  let ticksWhileReceiving = 0
  const timer = setInterval(() => {
    ticks++
    if (received > 0 && received < total) ticksWhileReceiving++
  }, 1)
  const sub = nc.subscribe('cb.flood', { callback: () => received++ })
  await nc.flush()
  const payload = Buffer.alloc(16)
  for (let i = 0; i < total; i++) {
    nc.publish('cb.flood', payload)
    if (i % 10_000 === 0) await new Promise((r) => setImmediate(r))
  }
  await nc.flush()
  await until(() => received === total, 30000, `${total} messages (got ${received})`)
  clearInterval(timer)
  await sub.unsubscribe()
  assert.equal(received, total)
  assert.ok(ticks > 0)
  assert.ok(ticksWhileReceiving >= 2, `interval ticks while receiving: ${ticksWhileReceiving}`)
  assert.equal(nc.stats().dropped, 0)
})

// `connected` may be recorded just before or after registration; I/O errors vary.
const lifecycle = (events) =>
  events.map((e) => e.event).filter((name) => name !== 'connected' && name !== 'client_error')

test('onEvent sees a restart then closed, in order, on the JavaScript thread', async () => {
  const { server: own, nc: client } = await serverAndClient()
  const seen = []
  let onMainThread = true
  client.onEvent((event) => {
    onMainThread &&= isMainThread && threadId === 0
    seen.push(event)
  })
  await own.startAgain()
  await until(() => lifecycle(seen).includes('reconnected'), 10000, 'reconnected')
  await client.close()
  await until(() => lifecycle(seen).includes('closed'), 5000, 'closed')
  await new Promise((r) => setTimeout(r, 50))
  assert.deepEqual(lifecycle(seen), ['disconnected', 'reconnected', 'draining', 'closed'])
  assert.ok(onMainThread)
  assert.deepEqual(client.pollEvent(), { event: 'connected' }, 'the poll queue is independent')
  own.stop()
})

test('status() iterates the events until closed', async () => {
  const { server: own, nc: client } = await serverAndClient()
  const collected = (async () => {
    const events = []
    for await (const event of client.status()) events.push(event)
    return events
  })()
  await own.startAgain()
  await until(() => client.stats().reconnects > 0, 10000, 'a reconnect')
  await client.close()
  const events = await collected
  assert.deepEqual(lifecycle(events), ['disconnected', 'reconnected', 'draining', 'closed'])
  own.stop()
})

test('leaving a status() loop early ends it', async () => {
  const { server: own, nc: client } = await serverAndClient()
  const restarted = own.startAgain()
  let first = null
  for await (const event of client.status()) {
    // A killed server may first show as a client_error (the socket's read failing).
    if (event.event === 'connected' || event.event === 'client_error') continue
    first = event.event
    break
  }
  await restarted
  assert.equal(first, 'disconnected')
  await client.close()
  own.stop()
})

test('onEvent does not keep the process alive', async () => {
  const { execFile } = require('node:child_process')
  const script = `const { connect } = require(${JSON.stringify(require.resolve('..'))})
    connect(${JSON.stringify(server.url)}).then((c) => c.onEvent(() => {}))`
  const started = Date.now()
  await new Promise((resolve, reject) =>
    execFile(process.execPath, ['-e', script], { timeout: 10000 }, (err) => (err ? reject(err) : resolve())),
  )
  assert.ok(Date.now() - started < 10000)
})
