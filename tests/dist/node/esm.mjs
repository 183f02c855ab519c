// ESM user of the installed tarballs: request/reply against the server at argv[2]; argv[3] is
// the expected version.
import assert from 'node:assert/strict'
import natskit, { connect, version } from 'natskit'

assert.equal(natskit.connect, connect)
assert.equal(version(), process.argv[3])
const nc = await connect(process.argv[2])
nc.subscribe('dist.esm', { callback: (m) => m.respond(m.data) })
const reply = await nc.request('dist.esm', 'hi', { timeout: 5000 })
assert.equal(reply.string(), 'hi')
await nc.close()
console.log(`natskit ${version()} (import): ok`)
