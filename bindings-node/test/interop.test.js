'use strict'
// natskit and nats.js (@nats-io/transport-node) on one server: messages and requests both
// ways, headers intact.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const natsjs = require('@nats-io/transport-node')
const { serverAndClient, drainSub } = require('./helpers')

let server
let nc
let js

before(async () => {
  ;({ server, nc } = await serverAndClient())
  js = await natsjs.connect({ servers: server.url })
})

after(async () => {
  await js.close()
  await nc.close()
  server.stop()
})

test('nats.js publishes with headers, natskit receives them intact', async () => {
  const sub = nc.subscribe('interop.to-natskit')
  await nc.flush()
  const h = natsjs.headers()
  h.append('X-Multi', 'one')
  h.append('X-Multi', 'two')
  h.set('Content-Type', 'application/json')
  js.publish('interop.to-natskit', JSON.stringify({ from: 'nats.js' }), { headers: h })
  js.publish('interop.to-natskit', new Uint8Array([1, 2, 3]))
  await js.flush()
  const [withHeaders, bytes] = await drainSub(sub)
  assert.deepEqual(withHeaders.json(), { from: 'nats.js' })
  assert.deepEqual(withHeaders.headers['X-Multi'], ['one', 'two'])
  assert.equal(withHeaders.header('content-type'), 'application/json')
  assert.deepEqual([...bytes.data], [1, 2, 3])
  await sub.unsubscribe()
})

test('natskit publishes with headers, nats.js receives them intact', async () => {
  const sub = js.subscribe('interop.to-natsjs', { max: 2 })
  await js.flush()
  nc.publish('interop.to-natsjs', 'héllo', { headers: { 'X-Multi': ['a', 'b'], 'X-One': '1' } })
  nc.publish('interop.to-natsjs', Buffer.from([9, 8]))
  await nc.flush()
  const got = []
  for await (const m of sub) got.push(m)
  assert.equal(got[0].string(), 'héllo')
  assert.deepEqual(got[0].headers.values('X-Multi'), ['a', 'b'])
  assert.equal(got[0].headers.get('X-One'), '1')
  assert.deepEqual([...got[1].data], [9, 8])
})

test('natskit requests, nats.js responds', async () => {
  const sub = js.subscribe('interop.svc.js', {
    callback: (err, m) => {
      const h = natsjs.headers()
      h.set('X-Seen', m.headers ? m.headers.get('X-Ask') : 'none')
      m.respond(`js:${m.string()}`, { headers: h })
    },
  })
  await js.flush()
  const reply = await nc.request('interop.svc.js', 'ping', { timeout: 2000, headers: { 'X-Ask': 'q1' } })
  assert.equal(reply.string(), 'js:ping')
  assert.equal(reply.header('X-Seen'), 'q1')
  sub.unsubscribe()
})

test('nats.js requests, natskit responds', async () => {
  const sub = nc.subscribe('interop.svc.natskit', {
    callback: (m) => m.respond({ echo: m.string(), ask: m.header('X-Ask') }, { headers: { 'X-By': ['natskit', 'node'] } }),
  })
  await nc.flush()
  const h = natsjs.headers()
  h.set('X-Ask', 'q2')
  const reply = await js.request('interop.svc.natskit', 'pong', { timeout: 2000, headers: h })
  assert.deepEqual(reply.json(), { echo: 'pong', ask: 'q2' })
  assert.deepEqual(reply.headers.values('X-By'), ['natskit', 'node'])
  await sub.unsubscribe()
})
