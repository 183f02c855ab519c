'use strict'
// Workloads: publish-only 16 B x 1M and 1 KB x 200k, pub+sub 128 B x 200k, sequential
// request/reply 64 B x 20k (p50/p99). Each client gets its own connection to one server.
const path = require('node:path')
const PKG = path.resolve(__dirname, '../../bindings-node')
const natskit = require(PKG)
const natsjs = require(path.join(PKG, 'node_modules/@nats-io/transport-node'))

const now = () => process.hrtime.bigint()
const secs = (t0) => Number(now() - t0) / 1e9

const clients = {
  natskit: {
    connect: (url) => natskit.connect(url),
    publish: (nc, s, p) => nc.publish(s, p),
    flush: (nc) => nc.flush(),
    subscribe: (nc, s, cb) => nc.subscribe(s, { callback: cb }),
    unsubscribe: (sub) => sub.unsubscribe(),
    serve: (nc, s) => nc.subscribe(s, { callback: (m) => m.respond(m.data) }),
    request: (nc, s, p) => nc.request(s, p, { timeout: 5000 }),
    close: (nc) => nc.close(),
  },
  'nats.js': {
    connect: (url) => natsjs.connect({ servers: url }),
    publish: (nc, s, p) => nc.publish(s, p),
    flush: (nc) => nc.flush(),
    subscribe: (nc, s, cb) => nc.subscribe(s, { callback: (_e, m) => cb(m) }),
    unsubscribe: (sub) => sub.unsubscribe(),
    serve: (nc, s) => nc.subscribe(s, { callback: (_e, m) => m.respond(m.data) }),
    request: (nc, s, p) => nc.request(s, p, { timeout: 5000 }),
    close: (nc) => nc.close(),
  },
}

async function publishOnly(c, nc, size, count) {
  const payload = Buffer.alloc(size, 7)
  const t0 = now()
  for (let i = 0; i < count; i++) {
    c.publish(nc, 'bench.pub', payload)
    if ((i & 0x3fff) === 0) await new Promise((r) => setImmediate(r))
  }
  await c.flush(nc)
  return count / secs(t0)
}

async function pubSub(c, pub, sub, size, count) {
  const payload = Buffer.alloc(size, 7)
  let got = 0
  let done
  const finished = new Promise((r) => (done = r))
  const s = c.subscribe(sub, 'bench.ps', () => {
    if (++got === count) done()
  })
  await c.flush(sub)
  const t0 = now()
  for (let i = 0; i < count; i++) {
    c.publish(pub, 'bench.ps', payload)
    if ((i & 0x3fff) === 0) await new Promise((r) => setImmediate(r))
  }
  await c.flush(pub)
  await finished
  const rate = count / secs(t0)
  await c.unsubscribe(s)
  return rate
}

async function requestReply(c, nc, srv, size, count) {
  const payload = Buffer.alloc(size, 7)
  const s = c.serve(srv, 'bench.rr')
  await c.flush(srv)
  const lat = new Float64Array(count)
  for (let i = 0; i < count; i++) {
    const t0 = now()
    await c.request(nc, 'bench.rr', payload)
    lat[i] = Number(now() - t0) / 1000
  }
  await c.unsubscribe(s)
  lat.sort()
  return { p50: lat[Math.floor(count * 0.5)], p99: lat[Math.floor(count * 0.99)] }
}

async function main() {
  const server = await natskit.LocalServer.start({ jetstream: false })
  const rows = []
  const results = {}
  for (const [name, c] of Object.entries(clients)) {
    const a = await c.connect(server.url)
    const b = await c.connect(server.url)
    const r = {}
    r.pub16 = await publishOnly(c, a, 16, 1_000_000)
    r.pub1k = await publishOnly(c, a, 1024, 200_000)
    r.pubsub = await pubSub(c, a, b, 128, 200_000)
    r.rr = await requestReply(c, a, b, 64, 20_000)
    results[name] = r
    await c.close(a)
    await c.close(b)
  }
  server.stop()
  const k = results.natskit
  const j = results['nats.js']
  const fmt = (v) => Math.round(v).toLocaleString('en-US')
  rows.push(['publish-only 16 B x 1M (msg/s)', fmt(k.pub16), fmt(j.pub16), (k.pub16 / j.pub16).toFixed(2)])
  rows.push(['publish-only 1 KB x 200k (msg/s)', fmt(k.pub1k), fmt(j.pub1k), (k.pub1k / j.pub1k).toFixed(2)])
  rows.push(['pub+sub 128 B x 200k (msg/s)', fmt(k.pubsub), fmt(j.pubsub), (k.pubsub / j.pubsub).toFixed(2)])
  rows.push(['request 64 B x 20k p50 (µs)', k.rr.p50.toFixed(0), j.rr.p50.toFixed(0), (j.rr.p50 / k.rr.p50).toFixed(2)])
  rows.push(['request 64 B x 20k p99 (µs)', k.rr.p99.toFixed(0), j.rr.p99.toFixed(0), (j.rr.p99 / k.rr.p99).toFixed(2)])
  console.log('### Node: natskit vs nats.js (@nats-io/transport-node)\n')
  console.log('| workload | natskit | nats.js | speed ratio |')
  console.log('|---|---:|---:|---:|')
  for (const r of rows) console.log(`| ${r.join(' | ')} |`)
  console.log('\nspeed ratio > 1 means natskit is faster (for latency: nats.js / natskit).')
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
