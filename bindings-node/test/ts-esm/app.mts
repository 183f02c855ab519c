// An ES module in TypeScript (`module: nodenext`): typescript.test.js type-checks it, compiles
// it and runs it against the server at argv[2].
import natskit, { connect, isNatskitError, type Client, type Message } from 'natskit'

const nc: Client = await connect(process.argv[2])
nc.subscribe('ts.esm', { callback: (m: Message) => void m.respond(`esm ${m.string()}`) })
const reply: Message = await nc.request('ts.esm', 'hi', { timeout: 5000 })
try {
  await nc.request('ts.nobody', 'x', { timeout: 5000 })
} catch (err) {
  if (!isNatskitError(err) || err.code !== 'NO_RESPONDERS') throw err
}
await nc.close()
console.log(reply.string(), natskit.connect === connect)
