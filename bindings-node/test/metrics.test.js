'use strict'
// Metrics after a known workload: the Prometheus text and core's snapshot object agree.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { LocalServer, connect } = require('..')

let server
before(async () => {
  server = await LocalServer.start({ jetstream: true })
})
after(() => server.stop())

const N = 3
const K = 2

test('N completed and K jobs retried then failed show exactly in metrics() and metricsSnapshot()', async () => {
  const nc = await connect({ servers: server.url, queue: { retry_after: 1000, failed_bucket: 'failed_metrics' } })
  const q = nc.queue('metered')
  for (let i = 0; i < N; i++) await q.push('Send', { i })
  for (let i = 0; i < K; i++) await q.push('Boom', { i }, { tries: 2 })
  for (let runs = 0; runs < N + 2 * K; runs++) {
    const job = await q.pop(5000)
    assert.ok(job, `run ${runs} got no job`)
    if (job.name === 'Send') await job.complete()
    else await job.error('Error', 'boom')
  }
  const text = await nc.metrics()
  const labels = 'messaging_system="nats",messaging_destination_name="metered"'
  for (const line of [
    `natskit_queue_jobs_pushed_total{${labels},job_name="Send"} ${N}`,
    `natskit_queue_jobs_processed_total{${labels},job_name="Send"} ${N}`,
    `natskit_queue_jobs_retried_total{${labels},job_name="Boom"} ${K}`,
    `natskit_queue_jobs_failed_total{${labels},job_name="Boom"} ${K}`,
    `messaging_process_duration_seconds_count{${labels},job_name="Boom"} ${2 * K}`,
    `natskit_queue_job_wait_seconds_count{${labels},job_name="Send"} ${N}`,
  ]) {
    assert.ok(text.split('\n').includes(line), `${line} missing from\n${text}`)
  }
  const snapshot = await nc.metricsSnapshot()
  const boom = snapshot.jobs.find((j) => j.job === 'Boom')
  assert.deepEqual([boom.pushed, boom.retried, boom.failed, boom.processed], [K, K, K, 0])
  assert.equal(boom.duration.count, 2 * K)
  assert.equal(boom.wait.buckets.at(-1).le, 60)
  assert.equal(snapshot.connection.state, 'connected')
  assert.ok(snapshot.connection.rtt_seconds > 0)
  assert.ok(snapshot.jetstream.publish_acks >= N + 2 * K)
  assert.equal(snapshot.queues.find((g) => g.queue === 'metered').failed, K)
  await nc.close()
})
