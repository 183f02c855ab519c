'use strict'
// The host side of natskit errors: the code list is the core's, the server's JetStream code
// reaches JavaScript, a panic rejects with PANIC, and the calls that may finish at once still
// always return a Promise (a failure rejects it, nothing throws).

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const natskit = require('..')
const { LocalServer, connect, isNatskitError } = natskit

let server
let nc
before(async () => {
  server = await LocalServer.start({ jetstream: true })
  nc = await connect(server.url)
})
after(async () => {
  await nc.close()
  await server.stop()
})

test('the ErrorCode type and isNatskitError follow the core table', () => {
  const core = natskit._errorCodes()
  assert.deepEqual(core.map((c) => c.number), core.map((_, i) => i + 1))
  assert.deepEqual(Object.values(natskit.ErrorCode), core.map((c) => c.name))
  const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8')
  const union = /export type ErrorCode = (.*)/.exec(dts)[1]
  assert.deepEqual(union.split(' | ').map((s) => s.replace(/'/g, '')), core.map((c) => c.name))
  for (const { name } of core) {
    const err = new Error('x')
    err.code = name
    assert.ok(isNatskitError(err), name)
  }
  const other = new Error('x')
  other.code = 'ENOENT'
  assert.ok(!isNatskitError(other))
})

test('a panic inside natskit rejects with PANIC instead of crashing', async () => {
  await assert.rejects(natskit._panicForTests(), (err) =>
    isNatskitError(err) && err.code === 'PANIC' && /deliberate panic for tests/.test(err.message))
})

test('a panic in a synchronous or an async export is PANIC too, and natskit keeps working', async () => {
  const isPanic = (err) =>
    isNatskitError(err) && err.code === 'PANIC' && /deliberate panic for tests/.test(err.message)
  assert.throws(() => natskit._panicForTests('sync'), isPanic)
  await assert.rejects(natskit._panicForTestsAsync(), isPanic)
  const sub = nc.subscribe('after.panic')
  nc.publish('after.panic', 'still here')
  const msg = await sub.next(2000)
  assert.equal(msg.string(), 'still here')
  const svc = nc.subscribe('after.panic.svc', { callback: (m) => m.respond('pong') })
  const reply = await nc.request('after.panic.svc', 'ping', { timeout: 2000 })
  assert.equal(reply.string(), 'pong')
  svc.unsubscribe()
  sub.unsubscribe()
})

test('a stream name in use with another config carries serverCode 10058', async () => {
  const js = nc.jetstream()
  await js.createStream({ name: 'TAKEN', subjects: ['taken.a'], storage: 'memory' })
  try {
    await assert.rejects(js.createStream({ name: 'TAKEN', subjects: ['taken.b'], storage: 'memory' }),
      (err) => err.code === 'JETSTREAM' && err.serverCode === 10058)
    await assert.rejects(js.streamInfo('NO_SUCH'), (err) => err.code === 'NOT_FOUND' && err.serverCode === 10059)
  } finally {
    await js.deleteStream('TAKEN')
  }
})

test('calls that may finish at once return Promises that reject instead of throwing', async () => {
  const sub = nc.subscribe('promised.cb', { callback: () => {} })
  const next = sub.next(10)
  assert.ok(next instanceof Promise)
  await assert.rejects(next, { code: 'INVALID_ARGUMENT' })
  await sub.unsubscribe()

  const plain = nc.subscribe('promised.plain')
  nc.publish('promised.plain', 'no reply subject')
  const msg = await plain.next(5000)
  const respond = msg.respond('answer')
  assert.ok(respond instanceof Promise)
  await assert.rejects(respond, { code: 'INVALID_ARGUMENT' })
  const idle = plain.next(0)
  assert.ok(idle instanceof Promise)
  assert.equal(await idle, null)
  await plain.unsubscribe()

  const request = nc.request('promised.nobody', 'x', { timeout: 500 })
  assert.ok(request instanceof Promise)
  await assert.rejects(request, { code: 'NO_RESPONDERS' })
})
