'use strict'
// A worker process for the SIGTERM test: `node worker-process.js <url> <queue>`.
// Prints "processing <id>" per job and the run's result as JSON when it stops.

const { connect, Worker } = require('..')

async function main() {
  const [url, queue] = process.argv.slice(2)
  const nc = await connect({ servers: url, queue: { retry_after: 1000 } })
  const worker = new Worker(nc, { queues: [queue], concurrency: 2, sleep: 200 })
  worker.handle('Long', async () => new Promise((r) => setTimeout(r, 400)))
  worker.on('processing', (job) => console.log(`processing ${job.id}`))
  const result = await worker.run()
  console.log(JSON.stringify(result))
  await nc.close()
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
