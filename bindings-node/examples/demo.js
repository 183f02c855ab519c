'use strict'
// natskit from Node: publish/subscribe, request/reply, JSON, headers and error codes; then
// (when the server has JetStream) a stream, a consumer and a pull with acks, and a job
// worked by a queue worker; against $NATS_URL or an embedded nats-server.
const { connect, LocalServer, Worker } = require('..')

async function jetstream(nc) {
  const js = nc.jetstream()
  await js.createStream({ name: 'NODE_DEMO', subjects: ['node.demo.>'], storage: 'memory' })
  for (let i = 1; i <= 3; i++) await js.publish('node.demo.events', { n: i }, { msgId: `demo-${i}` })
  await js.createConsumer('NODE_DEMO', { durable_name: 'reader', ack_policy: 'explicit' })
  const batch = await js.fetch('NODE_DEMO', 'reader', 3, { timeout: 2000 })
  for (const m of batch) {
    console.log(`node: pulled ${m.subject} ${m.string()} (stream seq ${m.metadata.stream_seq}, delivery ${m.metadata.delivered})`)
    await m.doubleAck()
  }
  const info = await js.consumerInfo('NODE_DEMO', 'reader')
  console.log(`node: consumer reader: ${info.num_pending} pending, ${info.num_ack_pending} unacknowledged`)
  await js.deleteStream('NODE_DEMO')
}

async function queue(nc) {
  const q = nc.queue('node-demo')
  await q.push('ProcessOrder', { order: 7 }, { maxTries: 2 })
  const worker = new Worker(nc, { queues: ['node-demo'], stopWhenEmpty: true, sleep: 500 })
  worker.handle('ProcessOrder', async (job) => {
    if (job.attempts === 1) throw new Error('payment service busy')
    console.log(`node: worked ${job.name} ${JSON.stringify(job.payload)} on attempt ${job.attempts}`)
  })
  worker.on('exception', (job, err) => console.log(`node: ${job.name} attempt ${job.attempts} failed: ${err.message}`))
  const result = await worker.run()
  console.log(`node: worker stopped (${result.reason}): ${result.processed} processed, ${result.retried} retried`)
}

async function main() {
  const server = process.env.NATS_URL ? null : await LocalServer.start({ jetstream: true })
  const url = process.env.NATS_URL || server.url
  const nc = await connect(url)
  console.log(`node: connected to ${url}`)

  const sub = nc.subscribe('demo.orders.*')
  nc.publish('demo.orders.created', { id: 42, item: 'book' }, { headers: { 'X-Trace': ['a', 'b'] } })
  const msg = await sub.next(2000)
  console.log(`node: ${msg.subject} -> ${JSON.stringify(msg.json())} headers ${JSON.stringify(msg.headers)}`)
  await sub.unsubscribe()

  const svc = nc.subscribe('demo.greet', { callback: (m) => m.respond(`hello, ${m.string()}`) })
  const reply = await nc.request('demo.greet', 'node', { timeout: 2000 })
  console.log(`node: request demo.greet -> ${reply.string()}`)
  await svc.unsubscribe()

  try {
    await nc.request('demo.nobody', 'x', { timeout: 500 })
  } catch (err) {
    console.log(`node: request demo.nobody -> ${err.code}: ${err.message}`)
  }

  if (await nc.jetstream().isAvailable()) {
    await jetstream(nc)
    await queue(nc)
  }

  const stats = nc.stats()
  console.log(`node: sent ${stats.outMsgs} messages, received ${stats.inMsgs}`)
  await nc.close()
  if (server) server.stop()
}

main().catch((err) => {
  console.error(`node demo failed: ${err.code || ''} ${err.message}`)
  process.exit(1)
})
