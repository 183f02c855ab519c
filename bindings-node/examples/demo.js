'use strict'
// natskit from Node: publish/subscribe, request/reply, JSON, headers and error codes,
// against $NATS_URL or an embedded nats-server.
const { connect, LocalServer } = require('..')

async function main() {
  const server = process.env.NATS_URL ? null : await LocalServer.start({ jetstream: false })
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

  const stats = nc.stats()
  console.log(`node: sent ${stats.outMsgs} messages, received ${stats.inMsgs}`)
  await nc.close()
  if (server) server.stop()
}

main().catch((err) => {
  console.error(`node demo failed: ${err.code || ''} ${err.message}`)
  process.exit(1)
})
