'use strict'
// natskit for Node.js. Everything is the native addon (binding.js loads it); this file only
// adds what JavaScript expresses better: async iteration over a subscription, per-message
// callbacks on top of the addon's batches, and `isNatskitError`.

const native = require('./binding.js')

const { Client, Subscription } = native

const CODES = new Set([
  'INVALID_ARGUMENT', 'INVALID_SUBJECT', 'CONFIG', 'CONNECT', 'AUTHORIZATION', 'TIMEOUT',
  'NO_RESPONDERS', 'PAYLOAD_TOO_LARGE', 'CLOSED', 'JETSTREAM_NOT_ENABLED', 'JETSTREAM',
  'NOT_FOUND', 'SERIALIZATION', 'QUEUE', 'PANIC', 'IO',
])

function isNatskitError(err) {
  return err instanceof Error && CODES.has(err.code)
}

Subscription.prototype[Symbol.asyncIterator] = async function* messages() {
  try {
    for (;;) {
      let msg
      try {
        msg = await this.next()
      } catch (err) {
        if (err.code === 'CLOSED') return
        throw err
      }
      if (msg !== null) yield msg
    }
  } finally {
    if (!this.isClosed) await this.unsubscribe()
  }
}

const nativeSubscribe = Client.prototype.subscribe
Client.prototype.subscribe = function subscribe(subject, options) {
  const callback = options && options.callback
  if (typeof callback !== 'function') return nativeSubscribe.call(this, subject, options)
  let sub = null
  const deliver = (batch) => {
    for (const msg of batch) {
      if (sub !== null && sub.isClosed) return
      callback(msg)
    }
  }
  sub = nativeSubscribe.call(this, subject, { queue: options.queue, callback: deliver })
  return sub
}

module.exports = { ...native, isNatskitError }
