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
