'use strict'
// The job queue from Node against a real JetStream server: lifecycle, retries, delays,
// priority, unique jobs, sizes, the failed-jobs store, the Worker and cross-host jobs.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { LocalServer, connect, Worker } = require('..')
const { until } = require('./helpers')

let server
before(async () => {
  server = await LocalServer.start({ jetstream: true })
})
after(() => server.stop())

let buckets = 0
/** A client whose failed-jobs store is its own, so tests do not see each other's failures. */
async function client(queue = {}) {
  buckets += 1
  return connect({
    servers: server.url,
    queue: { retry_after: 1000, failed_bucket: `failed_${buckets}`, unique_bucket: `unique_${buckets}`, ...queue },
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Polls `q.size()` until (ready, reserved, delayed, failed) match; asserts on timeout. */
async function sizes(q, expected) {
  const deadline = Date.now() + 3000
  for (;;) {
    const s = await q.size()
    const got = [s.ready, s.reserved, s.delayed, s.failed]
    if (JSON.stringify(got) === JSON.stringify(expected) || Date.now() > deadline) {
      assert.deepEqual(got, expected, '(ready, reserved, delayed, failed)')
      return s
    }
    await sleep(25)
  }
}

test('push, pop, delete: the job round-trips and leaves the queue', async () => {
  const nc = await client()
  const q = nc.queue('lifecycle')
  assert.equal(q.name, 'lifecycle')
  const id = await q.push('SendEmail', { to: 'ada@example.com' })
  assert.equal(typeof id, 'string')
  await sizes(q, [1, 0, 0, 0])
  const job = await q.pop(2000)
  assert.equal(job.id, id)
  assert.equal(job.name, 'SendEmail')
  assert.equal(job.queue, 'lifecycle')
  assert.deepEqual(job.payload, { to: 'ada@example.com' })
  assert.equal(job.attempts, 1)
  assert.equal(job.isFinished, false)
  await sizes(q, [0, 1, 0, 0])
  assert.deepEqual(await job.delete(), { event: 'deleted', hook: 'processed', id })
  assert.equal(job.isFinished, true)
  await assert.rejects(job.complete(), { code: 'QUEUE', message: /already finished/ })
  await assert.rejects(job.release(1), { code: 'QUEUE' })
  await sizes(q, [0, 0, 0, 0])
  assert.equal(await q.pop(200), null)
  await assert.rejects(q.push('X', 1, { backoff: 'soon' }), { code: 'INVALID_ARGUMENT' })
  assert.throws(() => nc.queue('bad name'), { code: 'INVALID_ARGUMENT' })
  await nc.close()
})

test('tries exhausted: failed store and dead-letter message carry the error', async () => {
  const nc = await client({ dead_letter_subject: 'jobs.dead' })
  const dlq = nc.subscribe('jobs.dead')
  await nc.flush()
  const q = nc.queue('emails')
  const id = await q.push('Flaky', { n: 1 }, { maxTries: 2 })
  const seen = []
  const hooked = []
  const worker = new Worker(nc, { queues: ['emails'], maxJobs: 2, sleep: 200 })
  worker.handle('Flaky', async (job) => {
    seen.push(job.attempts)
    throw new TypeError(`boom ${job.attempts}`)
  })
  worker.failed('Flaky', (job, err) => hooked.push([job.id, err.message]))
  const events = []
  for (const name of ['processing', 'processed', 'released', 'exception', 'failed']) {
    worker.on(name, (job, second) => events.push([name, name === 'exception' ? second.name : undefined]))
  }
  const retries = []
  worker.on('released', (job, event) => retries.push([event.event, event.hook]))
  assert.throws(() => worker.on('retrying', () => {}), { code: 'INVALID_ARGUMENT', message: /`released` hears `retrying`/ })
  assert.throws(() => new Worker(nc, { queue: ['emails'] }), { code: 'INVALID_ARGUMENT' })
  const result = await worker.run()
  assert.equal(result.reason, 'max_jobs')
  assert.deepEqual([result.processed, result.retried, result.failed], [0, 1, 1])
  assert.deepEqual(seen, [1, 2])
  assert.deepEqual(events.map((e) => e[0]), ['processing', 'exception', 'released', 'processing', 'exception', 'failed'])
  assert.equal(events[1][1], 'TypeError')
  assert.deepEqual(retries, [['retrying', 'released']])
  assert.deepEqual(hooked, [[id, 'boom 2']])

  const failed = await q.failed().get(id)
  assert.equal(failed.queue, 'emails')
  assert.equal(failed.connection, 'default')
  assert.equal(failed.exception, 'TypeError')
  assert.equal(failed.message, 'boom 2')
  assert.match(failed.trace, /queue\.test\.js/)
  assert.equal(failed.payload.job, 'Flaky')
  assert.deepEqual(failed.payload.data, { n: 1 })
  assert.equal(failed.payload.attempts, 2)
  assert.ok(failed.failed_at > Date.now() / 1000 - 60)

  const dead = (await dlq.next(2000)).json()
  assert.equal(dead.id, id)
  assert.equal(dead.original_queue, 'emails')
  assert.equal(dead.original_connection, 'default')
  assert.equal(dead.failure_exception, 'TypeError')
  assert.equal(dead.failure_message, 'boom 2')
  assert.match(dead.failure_trace, /TypeError: boom 2/)
  assert.equal(typeof dead.failed_at, 'number')
  assert.deepEqual(dead.payload.data, { n: 1 })
  await sizes(q, [0, 0, 0, 1])
  await nc.close()
})

test('backoff list: each retry comes no earlier than its delay', async () => {
  const nc = await client()
  const q = nc.queue('backoff')
  const id = await q.push('Slow', null, { maxTries: 3, backoff: [500, 1000] })
  let job = await q.pop(2000)
  for (const expected of [500, 1000]) {
    const event = await job.error('Error', 'again')
    assert.deepEqual([event.event, event.delay], ['retrying', expected])
    const failedAt = Date.now()
    await sizes(q, [0, 0, 1, 0])
    job = await q.pop(5000)
    assert.ok(job, 'the retry arrives')
    const waited = Date.now() - failedAt
    assert.ok(waited >= expected - 50, `retry after ${waited} ms, backoff ${expected} ms`)
  }
  assert.equal(job.id, id)
  assert.equal(job.attempts, 3)
  assert.equal((await job.error('Error', 'last')).event, 'failed')
  await nc.close()
})

test('retry-until beats tries; max exceptions count errors, not releases', async () => {
  const nc = await client()
  const q = nc.queue('limits')
  await q.push('Until', null, { maxTries: 0, retryUntil: 800 })
  assert.equal((await (await q.pop(2000)).error('Error', 'early')).event, 'retrying')
  await sleep(900)
  const late = await q.pop(2000)
  const ended = await late.error('Error', 'late')
  assert.equal(ended.event, 'failed')
  assert.match(ended.reason, /retry-until/)

  await q.push('Picky', null, { maxTries: 10, maxExceptions: 2 })
  for (let i = 1; i <= 3; i++) {
    const job = await q.pop(2000)
    assert.equal(job.attempts, i)
    assert.equal((await job.release()).event, 'released')
  }
  assert.equal((await (await q.pop(2000)).error('Error', 'one')).event, 'retrying')
  const last = await q.pop(2000)
  assert.equal(last.attempts, 5)
  const failed = await last.error('Error', 'two')
  assert.equal(failed.event, 'failed')
  assert.match(failed.reason, /2 exceptions/)
  await nc.close()
})

test('a handler running past its timeout is a failed attempt', async () => {
  const nc = await client()
  const q = nc.queue('timeouts')
  const id = await q.push('Stuck', null, { timeout: 300 })
  const worker = nc.worker({ queues: ['timeouts'], maxJobs: 1, sleep: 200 })
  let error = null
  worker.handle('Stuck', () => sleep(800))
  worker.on('exception', (job, err) => { error = err })
  const result = await worker.run()
  assert.equal(result.failed, 1)
  assert.equal(error.name, 'TimeoutExceeded')
  const failed = await q.failed().get(id)
  assert.equal(failed.exception, 'TimeoutExceeded')
  await nc.close()
})

test('a delayed job is invisible before its time and ready after', async () => {
  const nc = await client()
  const q = nc.queue('delayed')
  const pushed = Date.now()
  const id = await q.later(1500, 'Remind', { at: 'later' })
  await sizes(q, [0, 0, 1, 0])
  assert.equal(await q.pop(300), null)
  const job = await q.pop(5000)
  assert.ok(job, 'the job arrives')
  assert.equal(job.id, id)
  assert.ok(Date.now() - pushed >= 1450, 'not before its time')
  await job.complete()
  await sizes(q, [0, 0, 0, 0])
  await nc.close()
})

test('a worker takes queues in priority order', async () => {
  const nc = await client()
  await nc.queue('low').push('L1')
  await nc.queue('low').push('L2')
  await nc.queue('high').push('H1')
  await nc.queue('high').push('H2')
  const order = []
  const worker = new Worker(nc, { queues: ['high', 'low'], stopWhenEmpty: true, sleep: 200 })
  worker.handle('*', (job) => { order.push(job.name) })
  const result = await worker.run()
  assert.equal(result.reason, 'empty')
  assert.deepEqual(order, ['H1', 'H2', 'L1', 'L2'])
  await nc.close()
})

test('unique jobs: a duplicate is ignored or refused while the first is pending', async () => {
  const nc = await client()
  const q = nc.queue('unique')
  const id = await q.push('Sync', null, { uniqueKey: 'user-7' })
  assert.ok(id)
  assert.equal(await q.push('Sync', null, { uniqueKey: 'user-7' }), null)
  await sizes(q, [1, 0, 0, 0])
  await (await q.pop(2000)).complete()
  assert.ok(await q.push('Sync', null, { uniqueKey: 'user-7' }), 'free again once done')
  await nc.close()

  const strict = await client({ unique: 'refuse' })
  const sq = strict.queue('unique_refuse')
  await sq.push('Sync', null, { uniqueKey: 'k' })
  await assert.rejects(sq.push('Sync', null, { uniqueKey: 'k' }), { code: 'QUEUE' })
  await strict.close()
})

test('pushMany: ids in order, durable on return, a unique duplicate is null', async () => {
  const nc = await client()
  const q = nc.queue('bulk')
  const jobs = []
  for (let i = 0; i < 300; i++) jobs.push({ name: 'Bulk', data: { i } })
  jobs.push({ name: 'Bulk', data: { i: 300 }, options: { uniqueKey: 'once' } })
  jobs.push({ name: 'Bulk', data: { i: 301 }, options: { uniqueKey: 'once' } })
  jobs.push({ name: 'Later', options: { delay: 60_000, id: 'later-1' } })
  const ids = await q.pushMany(jobs)
  assert.equal(ids.length, 303)
  assert.ok(ids.slice(0, 301).every((id) => typeof id === 'string'))
  assert.equal(new Set(ids.slice(0, 301)).size, 301, 'distinct ids')
  assert.equal(ids[301], null, 'the unique duplicate is ignored')
  assert.equal(ids[302], 'later-1')
  await sizes(q, [301, 0, 1, 0])
  const first = await q.pop(2000)
  assert.deepEqual([first.id, first.name, first.payload], [ids[0], 'Bulk', { i: 0 }])
  await first.delete()
  assert.deepEqual(await q.pushMany([]), [])
  await assert.rejects(q.pushMany([{ name: 'X', options: { backoff: 'soon' } }]), { code: 'INVALID_ARGUMENT' })
  await q.clear()
  await nc.close()
})

test('failed jobs: list, retry, forget, flush', async () => {
  const nc = await client()
  const q = nc.queue('failing')
  const ids = []
  for (let i = 0; i < 4; i++) {
    ids.push(await q.push('Bad', { i }))
    const job = await q.pop(2000)
    assert.equal((await job.fail(new Error(`no ${i}`))).event, 'failed')
  }
  const store = q.failed()
  const listed = await store.list('failing')
  assert.deepEqual(listed.map((j) => j.id), ids)
  assert.equal(listed[2].message, 'no 2')
  assert.equal(listed[2].exception, 'JobFailed')
  assert.equal((await store.list('other')).length, 0)
  assert.equal(await store.count(), 4)
  await sizes(q, [0, 0, 0, 4])

  assert.deepEqual(await store.retry(ids[0]), [ids[0]])
  const again = await q.pop(2000)
  assert.equal(again.id, ids[0])
  assert.equal(again.attempts, 1)
  assert.deepEqual(again.payload, { i: 0 })
  await again.complete()
  await assert.rejects(store.retry(['nope']), { code: 'NOT_FOUND' })

  assert.equal(await store.forget(ids[1]), true)
  assert.equal(await store.forget(ids[1]), false)
  await assert.rejects(store.get(ids[1]), { code: 'NOT_FOUND' })
  assert.equal(await store.flush({ hours: 1 }), 0)
  assert.deepEqual((await store.retryAll()).sort(), [ids[2], ids[3]].sort())
  await sizes(q, [2, 0, 0, 0])
  for (let i = 0; i < 2; i++) await (await q.pop(2000)).fail('again')
  assert.equal(await store.flush(), 2)
  assert.equal(await store.count(), 0)
  assert.equal(await q.clear(), 0)
  await nc.close()
})

test('worker: concurrency runs jobs at once; maxJobs and stopWhenEmpty stop it', async () => {
  const nc = await client()
  const q = nc.queue('busy')
  for (let i = 0; i < 8; i++) await q.push('Work', { i })
  let running = 0
  let most = 0
  const done = []
  const worker = nc.worker({ queues: ['busy'], concurrency: 4, stopWhenEmpty: true, sleep: 200 })
  worker.handle('Work', async (job) => {
    running += 1
    most = Math.max(most, running)
    await sleep(100)
    running -= 1
    done.push(job.payload.i)
  })
  const result = await worker.run()
  assert.equal(result.reason, 'empty')
  assert.equal(result.processed, 8)
  assert.deepEqual(done.sort(), [0, 1, 2, 3, 4, 5, 6, 7])
  assert.ok(most > 1 && most <= 4, `at most 4 at once, saw ${most}`)

  for (let i = 0; i < 5; i++) await q.push('Work', { i })
  const limited = nc.worker({ queues: ['busy'], maxJobs: 2, sleep: 200 })
  limited.handle('Work', async (job) => {
    if (job.payload.i === 1) await job.release(0)
  })
  const stopped = await limited.run()
  assert.equal(stopped.reason, 'max_jobs')
  assert.deepEqual([stopped.processed, stopped.retried], [1, 1])
  await sizes(q, [4, 0, 0, 0])

  // The worker measures this process (tens of MB): past a 1 MB limit it stops after a job.
  const lean = nc.worker({ queues: ['busy'], memory: 1, sleep: 200 })
  lean.handle('Work', () => {})
  const overweight = await lean.run()
  assert.equal(overweight.reason, 'memory')
  assert.equal(overweight.processed, 1)
  await q.clear()
  await nc.close()
})

test('worker: prefetch takes jobs in batches, works them all, leaves nothing reserved', async () => {
  const nc = await client()
  const q = nc.queue('prefetched')
  const jobs = []
  for (let i = 0; i < 200; i++) jobs.push({ name: 'Count', data: { i } })
  await q.pushMany(jobs)
  const seen = new Set()
  const worker = new Worker(nc, { queues: ['prefetched'], prefetch: 64, concurrency: 2, stopWhenEmpty: true, sleep: 200 })
  worker.handle('Count', (job) => { seen.add(job.payload.i) })
  const result = await worker.run()
  assert.equal(result.reason, 'empty')
  assert.equal(result.processed, 200)
  assert.equal(seen.size, 200)
  await sizes(q, [0, 0, 0, 0])

  for (let i = 0; i < 100; i++) jobs[i] = { name: 'Count', data: { i } }
  await q.pushMany(jobs.slice(0, 100))
  const limited = new Worker(nc, { queues: ['prefetched'], prefetch: 64, maxJobs: 10, sleep: 200 })
  limited.handle('Count', () => {})
  assert.equal((await limited.run()).reason, 'max_jobs')
  await sizes(q, [90, 0, 0, 0])
  await assert.rejects(async () => new Worker(nc, { prefetch: 'many' }), { code: 'INVALID_ARGUMENT' })
  await q.clear()
  await nc.close()
})

test('SIGTERM stops a worker process gracefully and leaves nothing reserved', async () => {
  const nc = await client()
  const q = nc.queue('graceful')
  for (let i = 0; i < 6; i++) await q.push('Long', { i })
  const child = spawn(process.execPath, [path.join(__dirname, 'worker-process.js'), server.url, 'graceful'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  await until(() => out.includes('processing'), 10000, 'the child to start a job')
  child.kill('SIGTERM')
  const code = await new Promise((resolve) => child.on('exit', resolve))
  assert.equal(code, 0)
  const result = JSON.parse(out.trim().split('\n').pop())
  assert.equal(result.reason, 'requested')
  assert.ok(result.processed >= 1)
  const s = await sizes(q, [6 - result.processed, 0, 0, 0])
  assert.equal(s.reserved, 0)
  await q.clear()
  await nc.close()
})

const CLI = path.join(process.env.CARGO_TARGET_DIR || path.resolve(__dirname, '../../target'), 'debug', 'natskit')

test('cross-host: a job pushed by the Rust CLI is worked in Node; the CLI reads Node failures', { skip: !fs.existsSync(CLI) && 'natskit CLI not built' }, async () => {
  const env = { ...process.env, NATS_URL: server.url }
  delete env.NATSKIT_CONFIG
  const pushed = spawnSync(CLI, ['--json', 'queue', 'push', 'crosshost', 'ProcessOrder', '{"order":42}', '--tries', '1'], { env, encoding: 'utf8' })
  assert.equal(pushed.status, 0, pushed.stderr)
  const nc = await connect({ servers: server.url, queue: { retry_after: 1000 } })
  const q = nc.queue('crosshost')
  const job = await q.pop(2000)
  assert.equal(job.name, 'ProcessOrder')
  assert.deepEqual(job.payload, { order: 42 })
  assert.match(pushed.stdout, new RegExp(job.id))
  await job.fail('declined in node')

  const listed = spawnSync(CLI, ['--json', 'queue', 'failed', '--queue', 'crosshost'], { env, encoding: 'utf8' })
  assert.equal(listed.status, 0, listed.stderr)
  const failures = JSON.parse(listed.stdout)
  const mine = failures.find((f) => f.id === job.id)
  assert.ok(mine, listed.stdout)
  assert.equal(mine.message, 'declined in node')
  await q.failed().flush()
  await nc.close()
})

test('a repeated push with the same job id is stored once', async () => {
  const nc = await client()
  const q = nc.queue('dedup')
  assert.equal(await q.push('Ship', 1, { id: 'order-7' }), 'order-7')
  await q.push('Ship', 2, { id: 'order-7' })
  await sizes(q, [1, 0, 0, 0])
  const job = await q.pop(2000)
  assert.deepEqual([job.id, job.payload], ['order-7', 1])
  await job.delete()
  assert.equal(await q.pop(200), null)
  await nc.close()
})

test('a per-queue stream takes migrated jobs and a worker runs them there', async () => {
  const store = { stream: 'NODEJOBS_MIG', subject_prefix: 'nodemig' }
  const old = await client(store)
  const nc = await client({ ...store, streams: 'per-queue', per_queue_prefix: 'nodeown', queues: { wide: { partitions: 3 } } })
  await old.queue('moved').push('Count', 1)
  await old.queue('moved').later(3_600_000, 'Count', 2)
  const moved = await nc.queue('moved').migrate()
  assert.deepEqual(moved, { queue: 'moved', stream: 'NODEJOBS_MIG_moved', ready: 1, delayed: 1, reserved: 0 })
  const placement = await nc.queue('moved').placement()
  assert.deepEqual([placement.layout, placement.stream, placement.replicas], ['per-queue', 'NODEJOBS_MIG_moved', 1])
  await sizes(old.queue('moved'), [0, 0, 0, 0])
  await nc.queue('moved').push('Count', 3)
  const done = []
  const worker = new Worker(nc, { queues: ['moved'], maxJobs: 2, sleep: 200 })
  worker.handle('Count', (job) => { done.push(job.payload) })
  assert.equal((await worker.run()).reason, 'max_jobs')
  assert.deepEqual(done, [1, 3])
  await sizes(nc.queue('moved'), [0, 0, 1, 0])

  // A partitioned queue: three streams, and the worker takes jobs from every one.
  const wide = nc.queue('wide')
  for (const key of 'abcdef') await wide.push('Count', key, { partitionKey: key })
  await sizes(wide, [6, 0, 0, 0])
  const streams = (await wide.placement()).partitions.map((p) => p.stream)
  assert.deepEqual(streams, ['NODEJOBS_MIG_wide~0', 'NODEJOBS_MIG_wide~1', 'NODEJOBS_MIG_wide~2'])
  const all = []
  const wideWorker = new Worker(nc, { queues: ['wide'], maxJobs: 6, sleep: 200 })
  wideWorker.handle('Count', (job) => { all.push(job.payload) })
  await wideWorker.run()
  assert.deepEqual(all.sort(), ['a', 'b', 'c', 'd', 'e', 'f'])
  await old.close()
  await nc.close()
})
