'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const net = require('node:net')
const { connect, Manager, LocalServer, isNatskitError } = require('..')
const { until } = require('./helpers')

test('invalid configuration fails with CONFIG naming the key', async () => {
  assert.throws(() => new Manager({ servers: 'nats://127.0.0.1:1', request_timout: 2 }), (e) => {
    assert.equal(e.code, 'CONFIG')
    assert.match(e.message, /request_timout/)
    return isNatskitError(e)
  })
  assert.throws(() => new Manager({ request_timeout: -1 }), (e) => {
    assert.equal(e.code, 'CONFIG')
    assert.match(e.message, /request_timeout/)
    return true
  })
  await assert.rejects(connect({ servers: 'nats://127.0.0.1:1', connect_timeout: 'soon' }), (e) => {
    assert.equal(e.code, 'CONFIG')
    assert.match(e.message, /connect_timeout/)
    return true
  })
})

test('a manager opens named connections and rejects unknown names', async () => {
  const server = await LocalServer.start({ jetstream: false })
  try {
    const m = new Manager({ default: 'main', connections: { main: { servers: server.url }, other: { url: server.url } } })
    const main = await m.connection()
    const again = await m.connection('main')
    const other = await m.connection('other')
    assert.deepEqual(m.openConnections(), ['main', 'other'])
    const sub = other.subscribe('mgr.x')
    await other.flush()
    again.publish('mgr.x', 'via main')
    assert.equal((await sub.next(2000)).string(), 'via main')
    await assert.rejects(m.connection('missing'), (e) => e.code === 'CONFIG' && /missing/.test(e.message))
    await m.closeAll()
    assert.equal(main.isClosed, true)
    assert.deepEqual(m.openConnections(), [])
  } finally {
    server.stop()
  }
})

test('a refused connection is CONNECT and names host:port', async () => {
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port
      s.close(() => resolve(p))
    })
  })
  await assert.rejects(connect({ servers: `nats://127.0.0.1:${port}`, connect_timeout: 2000 }), (e) => {
    assert.equal(e.code, 'CONNECT')
    assert.ok(e.message.includes(`127.0.0.1:${port}`), e.message)
    return true
  })
})

test('user/password auth: right credentials work, wrong ones are AUTHORIZATION without the secret', async () => {
  const server = await LocalServer.start({ jetstream: false, user: 'alice', password: 's3cret-pw' })
  try {
    const nc = await connect({ servers: server.url, user: 'alice', password: 's3cret-pw' })
    const sub = nc.subscribe('auth.x')
    nc.publish('auth.x', 'in')
    assert.equal((await sub.next(2000)).string(), 'in')
    await nc.close()
    await assert.rejects(connect({ servers: server.url, user: 'alice', password: 'wrong-pw-123' }), (e) => {
      assert.equal(e.code, 'AUTHORIZATION')
      assert.ok(!e.message.includes('wrong-pw-123'), e.message)
      assert.ok(!e.message.includes('s3cret-pw'), e.message)
      return true
    })
  } finally {
    server.stop()
  }
})

test('token auth: right token works, wrong one is AUTHORIZATION without the token', async () => {
  const server = await LocalServer.start({ jetstream: false, token: 'tok-right-42' })
  try {
    const nc = await connect({ servers: server.url, token: 'tok-right-42' })
    await nc.flush()
    await nc.close()
    await assert.rejects(connect({ servers: server.url, token: 'tok-wrong-99' }), (e) => {
      assert.equal(e.code, 'AUTHORIZATION')
      assert.ok(!e.message.includes('tok-wrong-99'), e.message)
      return true
    })
  } finally {
    server.stop()
  }
})

test('publishes staged when the connection closed under the client are reported, not dropped', async () => {
  const server = await LocalServer.start({ jetstream: false })
  const options = { servers: server.url, reconnect: { max_attempts: 1, delay: 50 } }
  const [closing, publishing] = [await connect(options), await connect(options)]
  const payload = Buffer.from('x')
  for (const nc of [closing, publishing]) {
    nc.publish('gone.a', payload) // the first publish to a subject goes to the addon at once
    await nc.flush()
  }
  server.kill()
  await until(() => closing.isClosed && publishing.isClosed, 10000, 'the clients to give up reconnecting')
  // Accepted (staged: the connection's end is only learnt when the stage is handed over)...
  closing.publish('gone.a', payload)
  closing.publish('gone.a', payload)
  publishing.publish('gone.a', payload)
  await new Promise(setImmediate)
  // ...then reported once: close() rejects although closing twice is fine otherwise...
  const lost = (e) => e.code === 'CLOSED' && /accepted earlier were not sent/.test(e.message)
  await assert.rejects(closing.close(), (e) => lost(e) && e.lost === 2)
  await closing.close()
  // ...or the next publish throws it; later ones throw CLOSED as on any closed connection.
  assert.throws(() => publishing.publish('gone.a', payload), (e) => lost(e) && e.lost === 1)
  assert.throws(() => publishing.publish('gone.a', payload), (e) => e.code === 'CLOSED' && !lost(e))
  await assert.rejects(publishing.flush(), (e) => e.code === 'CLOSED' && !lost(e))
})

test('a closed client refuses work with CLOSED; closing twice is fine', async () => {
  const server = await LocalServer.start({ jetstream: false })
  try {
    const nc = await connect(server.url)
    await nc.close()
    await nc.close()
    assert.throws(() => nc.publish('x.y', 'z'), (e) => e.code === 'CLOSED')
    await assert.rejects(nc.request('x.y', 'z'), (e) => e.code === 'CLOSED')
    await assert.rejects(nc.flush(), (e) => e.code === 'CLOSED')
  } finally {
    server.stop()
  }
})
