'use strict'
// KV, object store and ordered consumer workloads, natskit next to nats.js (@nats-io/kv,
// @nats-io/obj, @nats-io/jetstream): KV put and get round trips (sequential, 128 B values),
// object store put and get of one object (MB/s), an ordered consumer replaying a stream of
// 128 B messages (msg/s). BENCH_KV, BENCH_OBJ_MB and BENCH_ORDERED set the sizes.
const crypto = require('node:crypto')
const path = require('node:path')
const PKG = path.resolve(__dirname, '../../bindings-node')
const natskit = require(PKG)
const fromPkg = (name) => require(require.resolve(name, { paths: [PKG] }))
const natsjs = fromPkg('@nats-io/transport-node')
const jsm = fromPkg('@nats-io/jetstream')
const { Kvm } = fromPkg('@nats-io/kv')
const { Objm } = fromPkg('@nats-io/obj')

const KV = Number(process.env.BENCH_KV || 20_000)
const OBJ_MB = Number(process.env.BENCH_OBJ_MB || 100)
const ORDERED = Number(process.env.BENCH_ORDERED || 100_000)
const value = Buffer.alloc(128, 7)
const now = () => process.hrtime.bigint()
const secs = (t0) => Number(now() - t0) / 1e9

/** Calls `fn(i)` `count` times in sequence; calls per second. */
async function rate(count, fn) {
  const t0 = now()
  for (let i = 0; i < count; i++) await fn(i)
  return count / secs(t0)
}

/** Seconds `fn` takes. */
async function timed(fn) {
  const t0 = now()
  await fn()
  return secs(t0)
}

const clients = {
  natskit: {
    async open(url) {
      const nc = await natskit.connect(url)
      return { nc, js: nc.jetstream() }
    },
    async kv({ js }, bucket) {
      const kv = await js.createKv({ bucket })
      const put = await rate(KV, (i) => kv.put(`k${i % 100}`, value))
      const get = await rate(KV, (i) => kv.get(`k${i % 100}`))
      await js.deleteKv(bucket)
      return { put, get }
    },
    async obj({ js }, bucket, data) {
      const store = await js.createObjectStore({ bucket })
      const put = await timed(() => store.put('big', data))
      let got
      const get = await timed(async () => (got = await store.get('big')))
      if (got.length !== data.length) throw new Error('short object')
      await js.deleteObjectStore(bucket)
      return { put, get }
    },
    async ordered({ js }, stream, total) {
      const messages = await js.ordered(stream)
      for (let got = 0; got < total; got++) {
        if (!(await messages.next(5000))) throw new Error('ordered consumer stalled')
      }
      await messages.stop()
    },
    close: ({ nc }) => nc.close(),
  },
  'nats.js': {
    async open(url) {
      const nc = await natsjs.connect({ servers: url })
      return { nc, js: jsm.jetstream(nc) }
    },
    async kv({ nc }, bucket) {
      const kv = await new Kvm(nc).create(bucket)
      const put = await rate(KV, (i) => kv.put(`k${i % 100}`, value))
      const get = await rate(KV, (i) => kv.get(`k${i % 100}`))
      await kv.destroy()
      return { put, get }
    },
    async obj({ nc }, bucket, data) {
      const store = await new Objm(nc).create(bucket)
      const put = await timed(() => store.putBlob({ name: 'big' }, data))
      let got
      const get = await timed(async () => (got = await store.getBlob('big')))
      if (got.length !== data.length) throw new Error('short object')
      await store.destroy()
      return { put, get }
    },
    async ordered({ js }, stream, total) {
      const consumer = await js.consumers.get(stream)
      const messages = await consumer.consume()
      let got = 0
      for await (const _ of messages) if (++got === total) break
      messages.stop()
    },
    close: ({ nc }) => nc.close(),
  },
}

/** A stream of `count` 128 B messages for the ordered consumers to replay. */
async function fill(url, count) {
  const nc = await natskit.connect(url)
  const js = nc.jetstream()
  await js.createStream({ name: 'BORD', subjects: ['bord.>'] })
  const p = js.publisher(256)
  for (let i = 0; i < count; i++) await p.publish('bord.m', value)
  await p.wait()
  await nc.close()
}

async function main() {
  const server = await natskit.LocalServer.start({ jetstream: true })
  const data = Buffer.concat(Array.from({ length: OBJ_MB }, () => crypto.randomBytes(1 << 20)))
  const mb = data.length / 1e6
  await fill(server.url, ORDERED)
  const results = {}
  for (const [name, c] of Object.entries(clients)) {
    const conn = await c.open(server.url)
    const bucket = name === 'natskit' ? 'bk' : 'bj'
    const kv = await c.kv(conn, bucket)
    const obj = await c.obj(conn, bucket, data)
    const ordered = ORDERED / (await timed(() => c.ordered(conn, 'BORD', ORDERED)))
    results[name] = { kvPut: kv.put, kvGet: kv.get, objPut: mb / obj.put, objGet: mb / obj.get, ordered }
    await c.close(conn)
  }
  server.stop()
  const k = results.natskit
  const j = results['nats.js']
  const fmt = (v) => Math.round(v).toLocaleString('en-US')
  const row = (label, key) => [label, fmt(k[key]), fmt(j[key]), (k[key] / j[key]).toFixed(2)]
  const n = (v) => v.toLocaleString('en-US')
  const rows = [
    row(`KV put 128 B x ${n(KV)}, sequential (round trips/s)`, 'kvPut'),
    row(`KV get x ${n(KV)}, sequential (round trips/s)`, 'kvGet'),
    row(`object store put ${OBJ_MB} MB (MB/s)`, 'objPut'),
    row(`object store get ${OBJ_MB} MB (MB/s)`, 'objGet'),
    row(`ordered consumer replay 128 B x ${n(ORDERED)} (msg/s)`, 'ordered'),
  ]
  console.log('\n### Node: KV, object store and ordered consumer, natskit vs nats.js (@nats-io/kv, @nats-io/obj)\n')
  console.log('| workload | natskit | nats.js | speed ratio |')
  console.log('|---|---:|---:|---:|')
  for (const r of rows) console.log(`| ${r.join(' | ')} |`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
