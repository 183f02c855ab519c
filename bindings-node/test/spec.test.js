'use strict'
// The cross-host contract (tests/spec/contract.json) run in Node: durations in milliseconds.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const natskit = require('..')
const { LocalServer, connect } = natskit

const spec = require(path.join(__dirname, '../../tests/spec/contract.json'))

/** A spec value in Node's unit: `{ s, ms }` becomes milliseconds. */
function host(value) {
  if (Array.isArray(value)) return value.map(host)
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort().join()
    if (keys === 'ms,s') return value.ms
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, host(v)]))
  }
  return value
}

const field = (result, dotted) => dotted.split('.').reduce((v, part) => v[part], result)

let server
let nc
before(async () => {
  server = await LocalServer.start({ jetstream: true })
  nc = await connect(server.url)
})
after(async () => {
  await nc.close()
  server.stop()
})

async function run(op, a) {
  const js = nc.jetstream()
  switch (op) {
    case 'publish': return nc.publish(a.subject, 'x', a.headers && { headers: a.headers })
    case 'request': return nc.request(a.subject, 'x', { timeout: a.timeout })
    case 'connect': return connect(a.url)
    case 'stream_info': return js.streamInfo(a.stream)
    case 'create_stream': return js.createStream(a.config)
    case 'create_consumer': return js.createConsumer(a.stream, a.config)
    case 'js_publish': return js.publish(a.subject, 'x', a.ttl === undefined ? undefined : { ttl: a.ttl })
    case 'get_message': return js.getMessage(a.stream, a.sequence)
    case 'queue_later': return nc.queue(a.queue).later(a.delay, 'SpecJob')
    case 'next_no_wait': return { message: await (await nc.subscribe(a.subject)).next(0) }
    case 'kv_put': return (await js.createKv({ bucket: a.bucket })).put(a.key, 'x')
    case 'panic': return natskit._panicForTests()
    default: throw new Error(`no runner for ${op}`)
  }
}

for (const c of spec.cases) {
  test(c.name, async () => {
    const args = host(c.args)
    if (c.error !== undefined) {
      // A synchronous throw and a rejected Promise are both failures of the call.
      await assert.rejects(async () => run(c.op, args), (err) => {
        assert.equal(err.code, c.error, err.message)
        if (c.server_code !== undefined) assert.equal(err.serverCode, c.server_code)
        return true
      })
      return
    }
    const result = await run(c.op, args)
    for (const key of c.keys ?? []) assert.ok(key in result, `${c.op} result has no ${key}`)
    for (const [dotted, expected] of Object.entries(host(c.result ?? {}))) {
      assert.deepEqual(field(result, dotted), expected, dotted)
    }
  })
}
