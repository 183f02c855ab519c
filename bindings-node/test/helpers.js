'use strict'
// Shared helpers: a real nats-server per test file (core's LocalServer) and small waits.

const { LocalServer, connect } = require('..')

/** Starts a server (JetStream off unless asked) and a client connected to it. */
async function serverAndClient(options = {}) {
  const server = await LocalServer.start({ jetstream: false, ...options })
  const nc = await connect(server.url)
  return { server, nc }
}

/** Resolves once `predicate()` holds, polling every few ms; rejects after `ms`. */
async function until(predicate, ms = 5000, what = 'condition') {
  const deadline = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** Collects everything a subscription receives until `timeoutMs` passes with no message. */
async function drainSub(sub, timeoutMs = 200) {
  const got = []
  for (;;) {
    const m = await sub.next(timeoutMs)
    if (m === null) return got
    got.push(m)
  }
}

module.exports = { serverAndClient, until, drainSub }
