// The package from an ES module: `import { connect } from 'natskit'` (package.json `exports`,
// resolved here by the package's own name) and the CommonJS entry are the same objects.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import natskit, * as named from 'natskit'
import { connect, LocalServer, Worker } from 'natskit'

const require = createRequire(import.meta.url)

test('import and require give the same API', () => {
  const cjs = require('natskit')
  assert.equal(natskit, cjs)
  const publicNames = Object.keys(cjs).filter((n) => !n.startsWith('_')).sort()
  assert.deepEqual(Object.keys(named).filter((n) => n !== 'default').sort(), publicNames)
  for (const name of publicNames) assert.equal(named[name], cjs[name], name)
  assert.equal(typeof Worker, 'function')
})

test('an ES module connects, subscribes and requests', async () => {
  const server = await LocalServer.start({ jetstream: false })
  try {
    const nc = await connect(server.url)
    const sub = nc.subscribe('esm.*')
    nc.publish('esm.hello', { from: 'esm' })
    for await (const msg of sub) {
      assert.deepEqual(msg.json(), { from: 'esm' })
      break
    }
    await nc.close()
  } finally {
    server.stop()
  }
})
