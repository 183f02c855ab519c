// Cross-host queue: Node prints the first dead letter (argv: nats URL, dead-letter subject) and exits.
const { connect } = require('../../bindings-node')

async function main () {
  const nc = await connect(process.argv[2])
  const subject = process.argv[3]
  const sub = nc.subscribe(subject)
  await nc.flush()
  console.log(`[node]   watching ${subject}`)
  const msg = await sub.next(20000)
  if (!msg) throw new Error('no dead letter within 20 s')
  const dead = msg.json()
  console.log(`[node]   dead letter: ${dead.payload.job} from queue '${dead.original_queue}' ` +
    `after ${dead.payload.attempts} attempts: ${dead.failure_exception}: ${dead.failure_message}`)
  await nc.close()
}

main().catch((err) => { console.error(err); process.exit(1) })
