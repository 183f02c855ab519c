// Compiled with `tsc --noEmit` by typescript.test.js: the published types must accept this.
import { connect, LocalServer, Manager, Worker, isNatskitError } from 'natskit'
import type { AccountInfo, Client, ConnectionEvent, ConsumerInfo, ErrorCode, Job, JobEvent, JsMessage, KvEntry, PubAck, StreamInfo, Message, NatskitError, QueueSize, Stats, Subscription, WorkerResult } from 'natskit'

async function main(): Promise<void> {
  const server: LocalServer = await LocalServer.start({ jetstream: false })
  const nc: Client = await connect({ servers: server.url, request_timeout: 2000 })
  nc.publish('a.b', Buffer.from('x'), { headers: { 'X-A': ['1', '2'] } })
  nc.publish('a.b', { json: true })
  nc.publishMany('a.b', ['1', '2'])
  const sub: Subscription = nc.subscribe('a.*', { queue: 'q' })
  for await (const m of sub) {
    const text: string = m.string()
    const data: Buffer = m.data
    const headers: Record<string, string[]> | null = m.headers
    console.log(text, data.length, headers, m.subject, m.reply)
    break
  }
  const cb = nc.subscribe('svc', { callback: (m: Message) => void m.respond('ok') })
  try {
    const reply: Message = await nc.request('svc', 'hi', { timeout: 500, headers: { X: 'y' } })
    console.log(reply.json())
  } catch (err) {
    if (isNatskitError(err)) {
      const code: ErrorCode = err.code
      const e: NatskitError = err
      console.log(code === 'NO_RESPONDERS', e.message)
    }
  }
  await cb.unsubscribe()
  const next: Message | null = await sub.next(10)
  console.log(next?.subject)
  const stats: Stats = nc.stats()
  console.log(stats.inMsgs, nc.maxPayload, nc.pollEvent()?.event)
  nc.onEvent((event: ConnectionEvent) => console.log(event.event))
  const status: AsyncIterableIterator<ConnectionEvent> = nc.status()
  await status.return?.()
  const manager = new Manager({ default: 'main', connections: { main: { servers: server.url } } })
  await (await manager.connection('main')).flush()
  await manager.closeAll()

  const q = nc.queue('default')
  const id: string | null = await q.push('ProcessOrder', { order: 1 }, { maxTries: 3, backoff: [1000, 5000] })
  const ids: (string | null)[] = await q.pushMany([{ name: 'ProcessOrder', data: { order: 2 }, options: { uniqueKey: 'o2' } }, { name: 'Ping' }])
  await q.later(10_000, 'Remind', null)
  const size: QueueSize = await q.size()
  const job: Job | null = await q.pop(100)
  if (job !== null) {
    const event: JobEvent = await job.release(5000)
    console.log(id, ids.length, size.oldest_age, event.delay, job.attempts)
  }
  const worker = new Worker(nc, { queues: ['high', 'default'], concurrency: 2, prefetch: 64, stopWhenEmpty: true })
  worker.handle('ProcessOrder', async (j: Job) => { if (j.attempts > 2) await j.fail('enough') })
  worker.failed('ProcessOrder', (j: Job, err: Error) => console.log(j.id, err.message))
  worker.on('processed', (j: Job, e: JobEvent) => console.log(j.name, e.event))
  const result: WorkerResult = await worker.run()
  console.log(result.reason, (await q.failed().list()).length, await q.failed().flush({ hours: 24 }))
  const js = nc.jetstream()
  const account: AccountInfo = await js.accountInfo()
  const stream: StreamInfo = await js.createStream({ name: 'S', subjects: ['s.>'], max_age: 3_600_000, storage: 'memory' })
  const consumer: ConsumerInfo = await js.createConsumer('S', { durable_name: 'c', ack_policy: 'explicit' })
  const ack: PubAck = await js.publish('s.a', 'x', { msgId: '1', headers: { A: 'b' } })
  const batch: JsMessage[] = await js.fetch('S', 'c', 10, { timeout: 500 })
  for (const m of batch) await m.nak(1000)
  for await (const m of await js.consume('S', 'c')) { await m.ack(); break }
  const kv = await js.createKv({ bucket: 'b', history: 3 })
  const entry: KvEntry | null = await kv.get('k')
  for await (const e of await kv.watch('>', { ignoreDeletes: true })) { console.log(e.key, e.operation); break }
  console.log(account.streams, stream.state.messages, consumer.num_pending, ack.sequence, entry?.revision)
  await nc.close()
  server.stop()
}

void main()
