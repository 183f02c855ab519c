'use strict'
// JetStream and job-queue workloads, natskit next to nats.js (@nats-io/jetstream) where it has
// an equivalent: publish with ack sequential 20k x 128 B, pipelined 100k x 128 B (<= 256 in
// flight), pull-consume + ack 100k x 128 B in batches of 256; queue jobs pushed+worked+acked
// per second (256 B, 1 and 4 concurrent, each with and without prefetch 64) and pushMany only.
const path = require('node:path')
const PKG = path.resolve(__dirname, '../../bindings-node')
const natskit = require(PKG)
const natsjs = require(path.join(PKG, 'node_modules/@nats-io/transport-node'))
const jsm = require(require.resolve('@nats-io/jetstream', { paths: [PKG] }))

const now = () => process.hrtime.bigint()
const secs = (t0) => Number(now() - t0) / 1e9
const payload = Buffer.alloc(128, 7)
const SEQ = 20_000
const PIPE = 100_000
const WINDOW = 256

const clients = {
  natskit: {
    async open(url, stream) {
      const nc = await natskit.connect(url)
      const js = nc.jetstream()
      await js.createStream({ name: stream, subjects: [`${stream}.>`] })
      return { nc, js }
    },
    async sequential({ js }, subject) {
      for (let i = 0; i < SEQ; i++) await js.publish(subject, payload)
    },
    async pipelined({ js }, subject) {
      const p = js.publisher(WINDOW)
      for (let i = 0; i < PIPE; i++) await p.publish(subject, payload)
      await p.wait()
    },
    async consume({ js }, stream, total) {
      await js.createConsumer(stream, { durable_name: 'c', ack_policy: 'explicit' })
      let got = 0
      while (got < total) {
        const batch = await js.fetch(stream, 'c', 256, { timeout: 2000 })
        for (const m of batch) m.ack()
        got += batch.length
      }
    },
    close: ({ nc }) => nc.close(),
  },
  'nats.js': {
    async open(url, stream) {
      const nc = await natsjs.connect({ servers: url })
      const m = await jsm.jetstreamManager(nc)
      await m.streams.add({ name: stream, subjects: [`${stream}.>`] })
      return { nc, m, js: jsm.jetstream(nc) }
    },
    async sequential({ js }, subject) {
      for (let i = 0; i < SEQ; i++) await js.publish(subject, payload)
    },
    async pipelined({ js }, subject) {
      const pending = []
      for (let i = 0; i < PIPE; i++) {
        pending.push(js.publish(subject, payload))
        if (pending.length >= WINDOW) await pending.shift()
      }
      await Promise.all(pending)
    },
    async consume({ js, m }, stream, total) {
      await m.consumers.add(stream, { durable_name: 'c', ack_policy: 'explicit' })
      const consumer = await js.consumers.get(stream, 'c')
      let got = 0
      while (got < total) {
        const batch = await consumer.fetch({ max_messages: 256, expires: 2000 })
        for await (const msg of batch) {
          msg.ack()
          got++
        }
      }
    },
    close: ({ nc }) => nc.close(),
  },
}

/** Queue workers: [label, worker options, jobs]; default options prefetch adaptively,
 * prefetch 64 takes 64 jobs per pull. */
const WORKERS = [
  ['1 worker (default options)', {}, 20000],
  ['concurrency 4', { concurrency: 4 }, 20000],
  ['1 worker, prefetch 64', { concurrency: 1, prefetch: 64 }, 20000],
  ['concurrency 4, prefetch 64', { concurrency: 4, prefetch: 64 }, 20000],
]

async function queueRates(url) {
  const nc = await natskit.connect({ servers: url, queue: { retry_after: 30_000 } })
  const data = { blob: 'x'.repeat(230) }
  const out = { worked: [] }
  let pushed = 0
  let pushSecs = 0
  for (const [label, options, jobs] of WORKERS) {
    const name = `bench${out.worked.length}`
    const q = nc.queue(name)
    const batch = Array.from({ length: jobs }, () => ({ name: 'Bench', data }))
    const t0 = now()
    await q.pushMany(batch)
    pushSecs += secs(t0)
    pushed += jobs
    const w = new natskit.Worker(nc, { queues: [name], ...options, stopWhenEmpty: true, sleep: 0.5, handleSignals: false })
    w.handle('Bench', () => {})
    const t1 = now()
    const r = await w.run()
    out.worked.push([label, jobs, r.processed / secs(t1)])
  }
  out.push = pushed / pushSecs
  await nc.close()
  return out
}

async function main() {
  const server = await natskit.LocalServer.start({ jetstream: true })
  const results = {}
  for (const [name, c] of Object.entries(clients)) {
    const stream = name === 'natskit' ? 'BK' : 'BJ'
    const conn = await c.open(server.url, stream)
    const r = {}
    let t0 = now()
    await c.sequential(conn, `${stream}.seq`)
    r.seq = SEQ / secs(t0)
    t0 = now()
    await c.pipelined(conn, `${stream}.pipe`)
    r.pipe = PIPE / secs(t0)
    t0 = now()
    await c.consume(conn, stream, PIPE)
    r.pull = PIPE / secs(t0)
    results[name] = r
    await c.close(conn)
  }
  const q = await queueRates(server.url)
  server.stop()
  const k = results.natskit
  const j = results['nats.js']
  const fmt = (v) => Math.round(v).toLocaleString('en-US')
  const rows = [
    ['JetStream publish+ack sequential 128 B x 20k (msg/s)', fmt(k.seq), fmt(j.seq), (k.seq / j.seq).toFixed(2)],
    ['JetStream publish pipelined 128 B x 100k, <= 256 in flight (msg/s)', fmt(k.pipe), fmt(j.pipe), (k.pipe / j.pipe).toFixed(2)],
    ['JetStream pull-consume + ack 100k, batches of 256 (msg/s)', fmt(k.pull), fmt(j.pull), (k.pull / j.pull).toFixed(2)],
    ['queue pushMany 256 B x 50k (jobs/s)', fmt(q.push), '—', ''],
    ...q.worked.map(([label, jobs, rate]) => [`queue worked, ${label}, ${jobs / 1000}k (jobs/s)`, fmt(rate), '—', '']),
  ]
  console.log('\n### Node: JetStream and job queue, natskit vs nats.js (@nats-io/jetstream)\n')
  console.log('| workload | natskit | nats.js | speed ratio |')
  console.log('|---|---:|---:|---:|')
  for (const r of rows) console.log(`| ${r.join(' | ')} |`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
