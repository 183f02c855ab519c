// CommonJS user of the installed tarballs: request/reply against the server at argv[2];
// argv[3] is the expected version.
const assert = require('node:assert/strict')
const { connect, version } = require('natskit')

async function main() {
  assert.equal(version(), process.argv[3])
  const nc = await connect(process.argv[2])
  nc.subscribe('dist.cjs', { callback: (m) => m.respond(`pong ${m.string()}`) })
  const reply = await nc.request('dist.cjs', 'ping', { timeout: 5000 })
  assert.equal(reply.string(), 'pong ping')
  await nc.close()
  console.log(`natskit ${version()} (require): ok`)
}
main()
