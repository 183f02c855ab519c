'use strict'
// LocalCluster: a client given every URL keeps publishing while each node in turn dies.

const test = require('node:test')
const assert = require('node:assert/strict')
const { LocalCluster, connect } = require('..')

/** How long the client may take to work again after a kill, in ms. */
const RECOVERY = 15000

/** A flushed publish and a JetStream publish succeed within RECOVERY. */
async function keepsWorking(nc, js) {
  const deadline = Date.now() + RECOVERY
  for (;;) {
    try {
      await nc.publish('failover.core', 'x')
      await nc.flush()
      await js.publish('failover.js', 'x')
      return
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`no publish within ${RECOVERY} ms of the kill: ${e.message}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

test('a client survives each node dying', async () => {
  const cluster = await LocalCluster.start()
  assert.equal(cluster.urls.length, 3)
  const nc = await connect({ servers: cluster.urls })
  const js = nc.jetstream()
  await js.createStream({ name: 'FAILOVER', subjects: ['failover.js'], num_replicas: 3 })
  await keepsWorking(nc, js)
  for (const node of [0, 1, 2]) {
    cluster.kill(node)
    await keepsWorking(nc, js)
    await cluster.restart(node)
  }
  assert.throws(() => cluster.kill(3), { code: 'INVALID_ARGUMENT', message: /no node 3/ })
  await assert.rejects(cluster.restart(3), { code: 'INVALID_ARGUMENT' })
  await nc.close()
  cluster.stop()
  assert.throws(() => cluster.kill(0), { code: 'CLOSED' })
})
