// Cross-host trace: a Node worker runs one job (argv: nats URL, queue) and prints the trace
// context its handler was given.
const { connect } = require('../../bindings-node')

async function main () {
  const nc = await connect(process.argv[2])
  const worker = nc.worker({ queues: [process.argv[3]], maxJobs: 1, maxTime: 20000, sleep: 200 })
  worker.handle('*', (job) => {
    const ctx = job.traceContext
    console.log(`[node]   ${job.name} handler got trace ${ctx ? ctx.trace_id : 'none'} (span ${ctx ? ctx.span_id : '-'})`)
  })
  await worker.run()
  await nc.close()
}

main().catch((err) => { console.error(err); process.exit(1) })
