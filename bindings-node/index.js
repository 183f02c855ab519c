'use strict'
// natskit for Node.js. Everything is the native addon (binding.js loads it); this file only
// adds what JavaScript expresses better: async iteration over a subscription, per-message
// callbacks on top of the addon's batches, the queue `Worker` (handlers, events, signals)
// and `isNatskitError`.

const { EventEmitter } = require('node:events')
const native = loadAddon()

const {
  Client, ConsumerMessages, Endpoint, Group, JetStream, Job, JsMessage, KvWatch, Message, ObjectWatch,
  Service, Subscription, WorkerLoop, checkWorkerHook,
} = native

// The core's error codes, read from the addon (the one table is natskit::ErrorCode::ALL).
const CODES = new Set(native._errorCodes().map((code) => code.name))

/** The native addon, or an error naming the platform package npm should have installed. */
function loadAddon() {
  try {
    return require('./binding.js')
  } catch (cause) {
    let platform = `${process.platform}-${process.arch}`
    if (process.platform === 'linux') {
      platform += process.report.getReport().header.glibcVersionRuntime ? '-gnu' : '-musl'
    }
    throw new Error(
      `natskit: no native addon for ${platform}: the package natskit-${platform} is not ` +
        'installed (npm installs it with natskit as an optional dependency; it is published ' +
        'for linux-x64-gnu). Elsewhere, build natskit from source: make -C bindings-node build.',
      { cause },
    )
  }
}

function isNatskitError(err) {
  return err instanceof Error && CODES.has(err.code)
}

// Subscriptions, continuous pulls, KV and object watches iterate the same way: until closed or
// stopped, ending (unsubscribing or stopping) on exit.
for (const Iterable of [Subscription, ConsumerMessages, KvWatch, ObjectWatch]) {
  Iterable.prototype[Symbol.asyncIterator] = async function* items() {
    try {
      for (;;) {
        let item
        try {
          item = await this.next()
        } catch (err) {
          if (err.code === 'CLOSED') return
          throw err
        }
        if (item !== null) yield item
      }
    } finally {
      if (Iterable !== Subscription) await this.stop()
      else if (!this.isClosed) await this.unsubscribe()
    }
  }
}

/** Queues the ack of message `index` of a fetch; the acks queued in one turn go out together. */
function queueAck(fetched, index) {
  if (fetched.acks === null) {
    const acks = (fetched.acks = [])
    fetched.sent = Promise.resolve().then(() => {
      fetched.acks = null
      return fetched.batch.ack(acks)
    })
  }
  fetched.acks.push(index)
  return fetched.sent
}

/**
 * A message of a fetch: a `JsMessage` to its users, reading from the native batch and
 * making a native `JsMessage` only when more than subject, data and `ack()` is used.
 */
class FetchedMessage {
  #fetched
  #index
  #message = null

  constructor(fetched, index) {
    this.#fetched = fetched
    this.#index = index
  }

  #native() {
    if (this.#message === null) this.#message = this.#fetched.batch.message(this.#index)
    return this.#message
  }

  get subject() { return this.#fetched.batch.subject(this.#index) }
  get data() { return this.#fetched.batch.data(this.#index) }
  get reply() { return this.#native().reply }
  get headers() { return this.#native().headers }
  get traceContext() { return this.#native().traceContext }
  get metadata() { return this.#native().metadata }
  header(name) { return this.#native().header(name) }
  string() { return this.#native().string() }
  json() { return this.#native().json() }
  ack() { return queueAck(this.#fetched, this.#index) }
  doubleAck() { return this.#native().doubleAck() }
  nak(delayMs) { return this.#native().nak(delayMs) }
  term(reason) { return this.#native().term(reason) }
  inProgress() { return this.#native().inProgress() }
}
Object.setPrototypeOf(FetchedMessage.prototype, JsMessage.prototype)

const nativeFetch = JetStream.prototype.fetch
JetStream.prototype.fetch = async function fetch(...args) {
  const fetched = { batch: await nativeFetch.apply(this, args), acks: null, sent: null }
  const messages = new Array(fetched.batch.length)
  for (let i = 0; i < messages.length; i++) messages[i] = new FetchedMessage(fetched, i)
  return messages
}

const nativePause = JetStream.prototype.pauseConsumer
JetStream.prototype.pauseConsumer = function pauseConsumer(stream, name, until) {
  return nativePause.call(this, stream, name, until instanceof Date ? until.toISOString() : until)
}

const nativeOrdered = JetStream.prototype.ordered
JetStream.prototype.ordered = function ordered(stream, options) {
  const start = options?.opt_start_time
  const given = start instanceof Date ? { ...options, opt_start_time: start.toISOString() } : options
  return nativeOrdered.call(this, stream, given)
}

/**
 * A message delivered to a subscription callback: a `Message` to its users, reading
 * subject, reply and data from the native batch it came in and making a native `Message`
 * only when more is used.
 */
class DeliveredMessage {
  #batch
  #index
  #message = null

  constructor(batch, index) {
    this.#batch = batch
    this.#index = index
  }

  #native() {
    if (this.#message === null) this.#message = this.#batch.message(this.#index)
    return this.#message
  }

  get subject() { return this.#batch.subject(this.#index) }
  get reply() { return this.#batch.reply(this.#index) }
  get data() { return this.#batch.data(this.#index) }
  get headers() { return this.#native().headers }
  get traceContext() { return this.#native().traceContext }
  header(name) { return this.#native().header(name) }
  string() { return this.#native().string() }
  json() { return this.#native().json() }
  respond(data, options) { return this.#batch.respond(this.#index, data, options) }
}
Object.setPrototypeOf(DeliveredMessage.prototype, Message.prototype)

// Set by `unsubscribe()`, so a callback that unsubscribes gets no further message of its batch.
const UNSUBSCRIBED = Symbol('natskit.unsubscribed')
const nativeUnsubscribe = Subscription.prototype.unsubscribe
Subscription.prototype.unsubscribe = function unsubscribe() {
  this[UNSUBSCRIBED] = true
  return nativeUnsubscribe.call(this)
}

const nativeSubscribe = Client.prototype.subscribe
Client.prototype.subscribe = function subscribe(subject, options) {
  const callback = options && options.callback
  if (typeof callback !== 'function') return nativeSubscribe.call(this, subject, options)
  let sub = null
  const deliver = (batch) => {
    if (sub !== null && sub.isClosed) return
    const count = batch.length
    for (let i = 0; i < count; i++) {
      if (sub !== null && sub[UNSUBSCRIBED] === true) return
      callback(new DeliveredMessage(batch, i))
    }
  }
  sub = nativeSubscribe.call(this, subject, { queue: options.queue, callback: deliver })
  return sub
}

// `fail(reason)` also takes an Error: its message is the reason.
const nativeFail = Job.prototype.fail
Job.prototype.fail = function fail(reason) {
  return nativeFail.call(this, reason instanceof Error ? reason.message : reason)
}

/** The (exception, message, trace) core records for a thrown value. */
function describe(err) {
  if (err instanceof Error) return [err.name || err.constructor.name, err.message, err.stack || '']
  return ['Error', String(err), '']
}

/** Runs `handler(job)`, rejecting with a `TimeoutExceeded` error after `seconds`. */
function runWithTimeout(handler, job, ms) {
  const run = Promise.resolve().then(() => handler(job))
  if (!ms) return run
  let timer
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`${job.name} did not finish within ${ms} ms`)
      err.name = 'TimeoutExceeded'
      reject(err)
    }, ms)
  })
  return Promise.race([run, expired]).finally(() => clearTimeout(timer))
}

/**
 * A queue worker: async handlers per job name, events, graceful stop on SIGTERM/SIGINT.
 * The loop itself (priority, limits, retries, failed store) is core's.
 */
class Worker extends EventEmitter {
  #loop
  #handlers = new Map()
  #failedHooks = new Map()
  #signals
  #running = null

  constructor(client, options = {}) {
    super()
    const { handleSignals = true, ...core } = options || {}
    this.#loop = new WorkerLoop(client, core)
    this.#signals = handleSignals
  }

  /** Registers the handler of job `name` (`'*'`: every job without its own handler). */
  handle(name, handler) {
    if (typeof handler !== 'function') throw new TypeError('handler must be a function')
    this.#handlers.set(name, handler)
    return this
  }

  /** Listens to a hook (core's names) or `stopped`; an unknown name throws INVALID_ARGUMENT. */
  on(hook, listener) {
    if (hook !== 'stopped') checkWorkerHook(hook)
    return super.on(hook, listener)
  }

  once(hook, listener) {
    if (hook !== 'stopped') checkWorkerHook(hook)
    return super.once(hook, listener)
  }

  /** Registers a hook called with (job, error) when a job named `name` fails for good. */
  failed(name, hook) {
    if (typeof hook !== 'function') throw new TypeError('hook must be a function')
    this.#failedHooks.set(name, hook)
    return this
  }

  /** Asks the worker to stop: running jobs finish, no new ones are taken. */
  stop() {
    this.#loop.stop()
  }

  get isStopping() {
    return this.#loop.isStopping
  }

  get stopReason() {
    return this.#loop.stopReason
  }

  stats() {
    return this.#loop.stats()
  }

  /** Works jobs until a stop condition; resolves with the stop reason and counters. */
  run() {
    if (this.#running === null) this.#running = this.#run()
    return this.#running
  }

  async #run() {
    const onSignal = () => this.stop()
    if (this.#signals) {
      process.on('SIGTERM', onSignal)
      process.on('SIGINT', onSignal)
    }
    try {
      const loops = []
      for (let i = 0; i < this.#loop.concurrency; i++) loops.push(this.#work())
      const ended = await Promise.allSettled(loops)
      const failure = ended.find((r) => r.status === 'rejected')
      if (failure) throw failure.reason
      const reason = this.#loop.stopReason || 'requested'
      this.emit('stopped', reason)
      return { reason, ...this.#loop.stats() }
    } finally {
      if (this.#signals) {
        process.off('SIGTERM', onSignal)
        process.off('SIGINT', onSignal)
      }
    }
  }

  async #work() {
    const wait = this.#loop.stepMs
    let measured = 0
    try {
      for (;;) {
        // Reading RSS costs about as much as a short job: at most every 100 ms.
        if (Date.now() - measured >= 100) {
          measured = Date.now()
          this.#loop.reportMemory(process.memoryUsage.rss() / 1048576)
        }
        const job = await this.#loop.next(wait)
        if (job !== null) await this.#process(job)
        else if (this.#loop.stopReason !== null) return
      }
    } catch (err) {
      this.stop()
      throw err
    }
  }

  async #process(job) {
    const handler = this.#handlers.get(job.name) || this.#handlers.get('*')
    let error = null
    try {
      this.emit('processing', job)
      if (!handler) {
        const err = new Error(`no handler registered for job ${job.name}`)
        err.name = 'HandlerNotFound'
        throw err
      }
      await runWithTimeout(handler, job, job.timeout)
    } catch (err) {
      error = err
    }
    const event = await (error === null ? job.settle() : job.settle(...describe(error)))
    if (error !== null) this.emit('exception', job, error, event)
    if (event.hook !== 'failed') {
      this.emit(event.hook, job, event)
      return
    }
    const reason = error !== null ? error : new Error(event.reason)
    this.emit('failed', job, reason, event)
    const hook = this.#failedHooks.get(job.name) || this.#failedHooks.get('*')
    if (hook) await hook(job, reason)
  }
}

/**
 * Connection events from now on as an async iterator (like nats.js `status()`), in order,
 * ending after `closed`; leaving the loop stops collecting them.
 */
Client.prototype.status = function status() {
  const queued = []
  let waiting = null
  let done = false
  // onEvent is weak (it never keeps the process alive); an awaited next() is not: it holds
  // a timer until its event comes, as a pending socket read would.
  let keepAlive = null
  const settle = (result) => {
    const resolve = waiting
    waiting = null
    clearInterval(keepAlive)
    keepAlive = null
    if (resolve !== null) resolve(result)
  }
  this.onEvent((event) => {
    if (done) return
    if (event.event === 'closed') done = true
    if (waiting !== null) settle({ value: event, done: false })
    else queued.push(event)
  })
  return {
    next() {
      if (queued.length > 0) return Promise.resolve({ value: queued.shift(), done: false })
      if (done) return Promise.resolve({ value: undefined, done: true })
      return new Promise((resolve) => {
        waiting = resolve
        keepAlive = setInterval(() => {}, 2 ** 31 - 1)
      })
    },
    return() {
      done = true
      queued.length = 0
      settle({ value: undefined, done: true })
      return Promise.resolve({ value: undefined, done: true })
    },
    [Symbol.asyncIterator]() { return this },
  }
}

/** A worker on this connection's queues (see `Worker`). */
Client.prototype.worker = function worker(options) {
  return new Worker(this, options)
}

// Plain publishes (Buffer/Uint8Array, no options) to the subject a client published to last
// are copied into a staging buffer and handed to the addon together at the end of the turn
// (or when the buffer fills): one native call for many messages. The first publish to a
// subject, any other kind of publish and every other call go through the addon at once
// (errors throw there), after whatever is staged, so call order is kept. A staged batch the
// addon refuses (the connection closed in between) is not dropped silently: the client's next
// publish throws, or its next flush(), drain() or close() rejects, with the addon's error.
const STAGE_BYTES = 64 * 1024
const STAGE_MESSAGES = 4096
const STAGED = Symbol('natskit.staged')
const staging = new Set()
let sendScheduled = false

class Stage {
  constructor(maxPayload) {
    this.subject = null
    this.maxPayload = maxPayload
    this.closed = false
    this.lost = null
    this.data = Buffer.allocUnsafe(STAGE_BYTES)
    this.lengths = new Uint32Array(STAGE_MESSAGES)
    this.bytes = 0
    this.count = 0
  }
}

/** Hands every staged publish to the addon. */
function sendStaged() {
  sendScheduled = false
  for (const client of staging) sendStage(client)
  staging.clear()
}

function sendStage(client) {
  const stage = client[STAGED]
  if (stage.count === 0) return
  const data = stage.data.subarray(0, stage.bytes)
  const lengths = stage.lengths.subarray(0, stage.count)
  const count = stage.count
  stage.bytes = 0
  stage.count = 0
  try {
    nativePublishPacked.call(client, stage.subject, data, lengths)
  } catch (cause) {
    // Accepted, then refused (the connection closed since): staging stops, and the client
    // reports the loss on its next publish, flush, drain or close.
    stage.closed = true
    if (stage.lost === null) stage.lost = lostPublishes(cause, count, stage.subject)
    else stage.lost.lost += count
  }
}

/** The addon's error, saying how many accepted publishes it cost. */
function lostPublishes(cause, count, subject) {
  const err = new Error(`${count} publish(es) to ${subject} accepted earlier were not sent: ${cause.message}`, { cause })
  err.code = cause.code
  if (cause.serverCode !== undefined) err.serverCode = cause.serverCode
  err.lost = count
  return err
}

/** Hands over what is staged; then the client's unreported loss, if any (reported once). */
function takeLost(client) {
  if (staging.size > 0) sendStaged()
  const stage = client[STAGED]
  if (stage === undefined || stage.lost === null) return null
  const lost = stage.lost
  stage.lost = null
  return lost
}

const nativePublish = Client.prototype.publish
const nativePublishPacked = Client.prototype.publishPacked
Client.prototype.publish = function publish(subject, data, options) {
  const stage = this[STAGED]
  if (
    options === undefined && stage !== undefined && subject === stage.subject &&
    data instanceof Uint8Array && data.length <= stage.maxPayload && !stage.closed &&
    data.length <= STAGE_BYTES
  ) {
    if (stage.bytes + data.length > STAGE_BYTES || stage.count === STAGE_MESSAGES) {
      sendStage(this)
      if (stage.closed) throw takeLost(this)
    }
    stage.data.set(data, stage.bytes)
    stage.bytes += data.length
    stage.lengths[stage.count++] = data.length
    if (stage.count === 1) staging.add(this)
    if (!sendScheduled) {
      sendScheduled = true
      queueMicrotask(sendStaged)
    }
    return
  }
  const lost = takeLost(this)
  if (lost !== null) throw lost
  callWithCode(nativePublish, this, [subject, data, options])
  if (options === undefined && !(stage !== undefined && stage.closed)) {
    if (stage === undefined) this[STAGED] = new Stage(this.maxPayload)
    else stage.maxPayload = this.maxPayload
    this[STAGED].subject = subject
  }
}

// A service endpoint yields its requests until the service stops (leaving the loop leaves
// the service running). With a `handler`, addEndpoint hands it each request on this thread.
Endpoint.prototype[Symbol.asyncIterator] = async function* requests() {
  for (;;) {
    let request
    try {
      request = await this.next()
    } catch (err) {
      if (err.code === 'CLOSED') return
      throw err
    }
    if (request !== null) yield request
  }
}

for (const Owner of [Service, Group]) {
  const nativeAddEndpoint = Owner.prototype.addEndpoint
  Owner.prototype.addEndpoint = async function addEndpoint(subject, options) {
    const handler = options == null ? undefined : options.handler
    if (handler === undefined) return nativeAddEndpoint.call(this, subject, options)
    if (typeof handler !== 'function') {
      throw Object.assign(new TypeError('handler must be a function'), { code: 'INVALID_ARGUMENT' })
    }
    const { handler: _, ...settings } = options
    const endpoint = await nativeAddEndpoint.call(this, subject, settings)
    serve(endpoint, handler)
    return endpoint
  }
}

/** Runs `handler` for each request of `endpoint`; a throw answers 500 with its message. */
async function serve(endpoint, handler) {
  for await (const request of endpoint) {
    Promise.resolve()
      .then(() => handler(request))
      .catch((err) => {
        const text = String(err && err.message ? err.message : err).replace(/[\r\n]+/g, ' ').trim()
        return request.respondError(500, text || 'handler failed')
      })
      .catch(() => {}) // already answered, or the connection is gone
  }
}

// napi converts the arguments before natskit sees a call, and its errors carry napi's status
// (`StringExpected`, `InvalidArg`, ...) as their code: they get INVALID_ARGUMENT, the code of
// every other bad argument, whether thrown or rejected.
const NAPI_ARGUMENT_ERRORS = new Set([
  'InvalidArg', 'ObjectExpected', 'StringExpected', 'NameExpected', 'FunctionExpected',
  'NumberExpected', 'BooleanExpected', 'ArrayExpected', 'BigintExpected', 'DateExpected',
])
function withCode(err) {
  if (err instanceof Error && NAPI_ARGUMENT_ERRORS.has(err.code)) err.code = 'INVALID_ARGUMENT'
  return err
}
const rethrowWithCode = (err) => { throw withCode(err) }
function callWithCode(call, self, args) {
  let result
  try {
    result = call.apply(self, args)
  } catch (err) {
    throw withCode(err)
  }
  return result instanceof Promise ? result.then(undefined, rethrowWithCode) : result
}

// Every other call of the addon first hands over what is staged; the addon's functions
// (`connect`, ...) get the same error codes. (Static methods cannot be replaced: those taking
// a string read it themselves.)
for (const [key, Class] of Object.entries(native)) {
  if (typeof Class !== 'function') continue
  if (/^[a-z]/.test(key)) {
    native[key] = function (...args) { return callWithCode(Class, this, args) }
    continue
  }
  if (!Class.prototype) continue
  for (const name of Object.getOwnPropertyNames(Class.prototype)) {
    if (name === 'constructor' || (Class === Client && name === 'publish')) continue
    const descriptor = Object.getOwnPropertyDescriptor(Class.prototype, name)
    if (typeof descriptor.value !== 'function') continue
    const call = descriptor.value
    Class.prototype[name] = function (...args) {
      if (staging.size > 0) sendStaged()
      return callWithCode(call, this, args)
    }
  }
}

// The other publishes throw a staged loss; the calls that confirm earlier publishes reject
// with it (after doing their work: a close still closes).
for (const name of ['publishMany', 'publishPacked']) {
  const call = Client.prototype[name]
  Client.prototype[name] = function (...args) {
    const lost = takeLost(this)
    if (lost !== null) throw lost
    return call.apply(this, args)
  }
}
for (const name of ['flush', 'drain', 'close']) {
  const call = Client.prototype[name]
  Client.prototype[name] = function (...args) {
    const lost = takeLost(this)
    // A closed client takes no more staged publishes (the addon reports CLOSED).
    if (name !== 'flush' && this[STAGED] !== undefined) this[STAGED].closed = true
    const done = call.apply(this, args)
    if (lost === null) return done
    return Promise.resolve(done).then(() => { throw lost }, () => { throw lost })
  }
}

// Without a trace context of their own, publish, request, push and later send the current
// OpenTelemetry span's when @opentelemetry/api is installed (nothing else is loaded or done).
const otel = optionalRequire('@opentelemetry/api')
if (otel !== null) {
  const traced = [[Client, 'publish', 2], [Client, 'request', 2], [native.Queue, 'push', 2], [native.Queue, 'later', 3]]
  for (const [Class, name, at] of traced) {
    const call = Class.prototype[name]
    Class.prototype[name] = function (...args) {
      args[at] = withCurrentSpan(otel, args[at])
      return call.apply(this, args)
    }
  }
}

/** `require(name)`, or null when it is not installed. */
function optionalRequire(name) {
  try {
    return require(name)
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') return null
    throw err
  }
}

/** `options` with the active span's W3C context, unless they carry one or no span is active. */
function withCurrentSpan(api, options) {
  if (options != null && (options.traceparent !== undefined || options.tracestate !== undefined)) return options
  const span = api.trace.getSpanContext(api.context.active())
  if (span === undefined || !api.isSpanContextValid(span)) return options
  const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0')
  const state = span.traceState === undefined ? '' : span.traceState.serialize()
  return { ...options, traceparent: `00-${span.traceId}-${span.spanId}-${flags}`, tracestate: state || undefined }
}

module.exports = { ...native, Worker, isNatskitError }
