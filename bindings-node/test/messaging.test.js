'use strict'
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const { connect } = require('..')
const { serverAndClient, until, drainSub } = require('./helpers')

let server
let nc

before(async () => {
  ;({ server, nc } = await serverAndClient())
})

after(async () => {
  await nc.close()
  server.stop()
})

test('publish and subscribe carry bytes, strings and JSON', async () => {
  const sub = nc.subscribe('pub.basic')
  nc.publish('pub.basic', Buffer.from([0, 1, 2, 255]))
  nc.publish('pub.basic', new Uint8Array([7, 8]))
  nc.publish('pub.basic', 'héllo')
  nc.publish('pub.basic', { n: 1, list: ['a'] })
  nc.publish('pub.basic')
  const got = await drainSub(sub)
  assert.equal(got.length, 5)
  assert.deepEqual([...got[0].data], [0, 1, 2, 255])
  assert.ok(Buffer.isBuffer(got[0].data))
  assert.deepEqual([...got[1].data], [7, 8])
  assert.equal(got[2].string(), 'héllo')
  assert.deepEqual(got[3].json(), { n: 1, list: ['a'] })
  assert.equal(got[4].data.length, 0)
  assert.equal(got[0].subject, 'pub.basic')
  assert.equal(got[0].reply, null)
  await sub.unsubscribe()
})

test('* matches one token, > one or more, and neither matches elsewhere', async () => {
  const star = nc.subscribe('wild.*')
  const tail = nc.subscribe('wild.>')
  for (const s of ['wild.a', 'wild.a.b', 'wild', 'other.a', 'wildx.a']) nc.publish(s, s)
  await nc.flush()
  assert.deepEqual((await drainSub(star)).map((m) => m.subject), ['wild.a'])
  assert.deepEqual((await drainSub(tail)).map((m) => m.subject), ['wild.a', 'wild.a.b'])
  await star.unsubscribe()
  await tail.unsubscribe()
})

test('a queue group of 3 gets 1,000 messages exactly once between them', async () => {
  const seen = []
  const counts = [0, 0, 0]
  const members = counts.map((_, i) =>
    nc.subscribe('work.q', {
      queue: 'workers',
      callback: (m) => {
        counts[i]++
        seen.push(m.string())
      },
    }),
  )
  assert.equal(members[0].queue, 'workers')
  await nc.flush()
  for (let i = 0; i < 1000; i++) nc.publish('work.q', String(i))
  await nc.flush()
  await until(() => seen.length >= 1000, 5000, '1000 messages')
  await new Promise((r) => setTimeout(r, 100))
  assert.equal(seen.length, 1000)
  assert.equal(new Set(seen).size, 1000)
  assert.ok(counts.filter((c) => c > 0).length >= 2, `spread: ${counts}`)
  for (const m of members) await m.unsubscribe()
})

test('request/reply, no responders and timeout', async () => {
  const svc = nc.subscribe('svc.echo', {
    callback: (m) => m.respond({ echo: m.string() }, { headers: { 'X-Served-By': 'node' } }),
  })
  await nc.flush()
  const reply = await nc.request('svc.echo', 'hi', { timeout: 2000 })
  assert.deepEqual(reply.json(), { echo: 'hi' })
  assert.equal(reply.header('x-served-by'), 'node')

  await assert.rejects(nc.request('svc.nobody', 'x', { timeout: 2000 }), (e) => {
    assert.equal(e.code, 'NO_RESPONDERS')
    assert.match(e.message, /svc\.nobody/)
    return e instanceof Error
  })

  const silent = nc.subscribe('svc.silent')
  await nc.flush()
  await assert.rejects(nc.request('svc.silent', 'x', { timeout: 100 }), (e) => {
    assert.equal(e.code, 'TIMEOUT')
    return true
  })
  await silent.unsubscribe()
  await svc.unsubscribe()
})

test('headers keep every value of a name across a round trip', async () => {
  const sub = nc.subscribe('hdr.multi')
  nc.publish('hdr.multi', 'x', { headers: { 'X-Trace': ['a', 'b'], Single: 'one' } })
  const m = await sub.next(2000)
  assert.deepEqual(m.headers['X-Trace'], ['a', 'b'])
  assert.deepEqual(m.headers.Single, ['one'])
  assert.equal(m.header('x-trace'), 'a')
  await sub.unsubscribe()
})

test('publish with a reply subject', async () => {
  const sub = nc.subscribe('rep.to')
  nc.publish('rep.to', 'x', { reply: 'rep.back' })
  const m = await sub.next(2000)
  assert.equal(m.reply, 'rep.back')
  await sub.unsubscribe()
})

test('publishMany sends every payload in order', async () => {
  const sub = nc.subscribe('many.x')
  nc.publishMany('many.x', ['1', '2', Buffer.from('3'), { n: 4 }])
  const got = await drainSub(sub)
  assert.deepEqual(got.map((m) => m.string()), ['1', '2', '3', '{"n":4}'])
  await sub.unsubscribe()
})

test('a publish loop reusing one buffer keeps every payload and the call order', async () => {
  const sub = nc.subscribe('loop.>')
  const buf = Buffer.alloc(4)
  const sent = []
  for (let i = 0; i < 3000; i++) {
    buf.writeUInt32BE(i)
    const subject = i % 1000 === 999 ? 'loop.other' : 'loop.main'
    nc.publish(subject, buf)
    sent.push(`${subject}:${i}`)
  }
  const got = []
  while (got.length < sent.length) {
    const m = await sub.next(2000)
    assert.ok(m, `got ${got.length} of ${sent.length}`)
    got.push(`${m.subject}:${m.data.readUInt32BE()}`)
  }
  assert.deepEqual(got, sent)
  await sub.unsubscribe()
})

test('oversize payloads and invalid subjects throw with codes', () => {
  const big = Buffer.alloc(nc.maxPayload + 1)
  assert.throws(() => nc.publish('big.one', big), (e) => {
    assert.equal(e.code, 'PAYLOAD_TOO_LARGE')
    assert.match(e.message, /max_payload/)
    return true
  })
  for (const bad of ['', 'a..b', 'has space', 'wild.*']) {
    assert.throws(() => nc.publish(bad, 'x'), (e) => e.code === 'INVALID_SUBJECT', bad)
  }
  assert.throws(() => nc.subscribe('a..b'), (e) => e.code === 'INVALID_SUBJECT')
  assert.throws(() => nc.publish('ok.subject', new Float32Array(2)), (e) => e.code === 'INVALID_ARGUMENT')
})

test('next(timeoutMs) resolves null on timeout; non-JSON payloads fail with SERIALIZATION', async () => {
  const sub = nc.subscribe('tmo.x')
  assert.equal(await sub.next(20), null)
  nc.publish('tmo.x', 'not json')
  const m = await sub.next(2000)
  assert.throws(() => m.json(), (e) => e.code === 'SERIALIZATION')
  await sub.unsubscribe()
  await assert.rejects(sub.next(10), (e) => e.code === 'CLOSED')
})

test('for await iterates messages and leaving the loop unsubscribes', async () => {
  const sub = nc.subscribe('iter.x')
  await nc.flush()
  for (let i = 0; i < 5; i++) nc.publish('iter.x', String(i))
  const got = []
  for await (const m of sub) {
    got.push(m.string())
    if (got.length === 3) break
  }
  assert.deepEqual(got, ['0', '1', '2'])
  assert.equal(sub.isClosed, true)
  await assert.rejects(sub.next(10), (e) => e.code === 'CLOSED')
})

test('unsubscribe() ends a pending next() and a for await loop', async () => {
  const sub = nc.subscribe('iter.end')
  const loop = (async () => {
    let n = 0
    for await (const _ of sub) n++
    return n
  })()
  await new Promise((r) => setTimeout(r, 20))
  await sub.unsubscribe()
  assert.equal(await loop, 0)
})

test('stats count traffic and events report the connection', async () => {
  const before = nc.stats()
  nc.publish('stats.x', 'abc')
  await nc.flush()
  const after = nc.stats()
  assert.ok(after.outMsgs > before.outMsgs)
  assert.ok(after.outBytes >= before.outBytes + 3)
  const first = await nc.nextEvent(1000)
  assert.equal(first.event, 'connected')
})

test('close delivers every buffered publish first', async () => {
  const sub = nc.subscribe('closing.x')
  await nc.flush()
  const publisher = await connect(server.url)
  const sent = Array.from({ length: 500 }, (_, i) => String(i))
  // Buffers are staged in JavaScript until the end of the turn: close must hand them over.
  for (const body of sent) publisher.publish('closing.x', Buffer.from(body))
  await publisher.close()
  const got = await drainSub(sub, 1000)
  assert.deepEqual(got.map((m) => m.string()), sent)
  await sub.unsubscribe()
})

test('a process that exits right after close delivered everything, staged publishes too', async () => {
  const sub = nc.subscribe('closing.exit')
  await nc.flush()
  const child = [
    "const { connect } = require(process.argv[1])",
    "connect(process.argv[2]).then(async (c) => {",
    "  for (let i = 0; i < 20000; i++) c.publish('closing.exit', Buffer.from(String(i).padEnd(64, '.')))",
    "  await c.close()",
    "  process.exit(0)",
    "})",
  ].join('\n')
  const { status } = spawnSync(process.execPath, ['-e', child, path.join(__dirname, '..'), server.url], { stdio: 'inherit', timeout: 60000 })
  assert.equal(status, 0)
  const got = await drainSub(sub, 2000)
  assert.equal(got.length, 20000)
  assert.deepEqual(got.map((m) => m.string()), Array.from({ length: 20000 }, (_, i) => String(i).padEnd(64, '.')))
  await sub.unsubscribe()
})
