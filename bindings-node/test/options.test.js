'use strict'
// Connection options pass through the JS config object: no_echo, inbox_prefix,
// retry_on_initial_connect (core/tests/options.rs tests each one in depth).
const { test } = require('node:test')
const assert = require('node:assert/strict')
const net = require('node:net')
const { connect, LocalServer } = require('..')

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port
      s.close(() => resolve(p))
    })
  })
}

test('no_echo and inbox_prefix reach the connection', async () => {
  const server = await LocalServer.start({ jetstream: false })
  const quiet = await connect({ servers: server.url, no_echo: true })
  const other = await connect(server.url)
  const requester = await connect({ servers: server.url, inbox_prefix: '_JS.inbox' })
  try {
    const sub = quiet.subscribe('opts.echo')
    await quiet.flush()
    quiet.publish('opts.echo', 'own')
    await quiet.flush()
    other.publish('opts.echo', 'other')
    await other.flush()
    assert.equal((await sub.next(2000)).string(), 'other')
    assert.equal(await sub.next(200), null, 'own message echoed')

    let seen = null
    other.subscribe('opts.svc', { callback: (m) => { seen = m.reply; m.respond('pong') } })
    await other.flush()
    assert.equal((await requester.request('opts.svc', 'ping', { timeout: 2000 })).string(), 'pong')
    assert.ok(seen.startsWith('_JS.inbox.'), seen)
  } finally {
    await Promise.all([quiet.close(), other.close(), requester.close()])
    server.stop()
  }
})

test('retry_on_initial_connect waits for a late server', async () => {
  const port = await freePort()
  const url = `nats://127.0.0.1:${port}`
  let started = Date.now()
  await assert.rejects(connect(url), (e) => e.code === 'CONNECT')
  assert.ok(Date.now() - started < 500, 'without the option it fails fast')

  started = Date.now()
  const connecting = connect({ servers: url, retry_on_initial_connect: true, reconnect: { delay: 50, max_delay: 200 } })
  await new Promise((r) => setTimeout(r, 1000))
  const server = await LocalServer.start({ jetstream: false, port })
  try {
    const nc = await connecting
    assert.ok(Date.now() - started >= 1000)
    await nc.flush()
    await nc.close()
  } finally {
    server.stop()
  }
  const giveUp = { servers: url, retry_on_initial_connect: true, reconnect: { max_attempts: 2, delay: 10 } }
  await assert.rejects(connect(giveUp), (e) => e.code === 'CONNECT' && /gave up after 3 connect attempts/.test(e.message))
})

test('bad option values are CONFIG naming the key', async () => {
  await assert.rejects(connect({ servers: 'nats://127.0.0.1:1', reconnect_buffer_size: -1 }), (e) => e.code === 'CONFIG' && /reconnect_buffer_size/.test(e.message))
  await assert.rejects(connect({ servers: 'nats://127.0.0.1:1', no_echo: 'yes' }), (e) => e.code === 'CONFIG' && /no_echo/.test(e.message))
})

test('publishes the reconnect buffer refuses after they were queued are reported, not dropped', async () => {
  const server = await LocalServer.start({ jetstream: false })
  const client = await connect({ servers: server.url, reconnect_buffer_size: 300, reconnect: { delay: 50 } })
  const events = client.status()
  server.kill()
  for await (const e of events) if (e.event === 'disconnected') break
  // One turn of 20 plain publishes: the first is checked at its call, the rest are staged and
  // queued together; the 300-byte buffer holds a few of them and refuses the others.
  const payload = Buffer.alloc(64, 1)
  for (let i = 0; i < 20; i++) {
    try { client.publish('buffered.x', payload) } catch (e) { assert.equal(e.code, 'CONNECT'); break }
  }
  await new Promise((r) => setTimeout(r, 500))
  assert.throws(() => client.publish('other.subject', 'x'), (e) => {
    assert.equal(e.code, 'CONNECT')
    assert.match(e.message, /publish\(es\) to buffered\.x accepted earlier were not sent: .*reconnect buffer full/)
    return true
  })
  // Reported once: the connection goes on after the server is back.
  await server.startAgain()
  await client.flush()
  await client.close()
  server.stop()
})
