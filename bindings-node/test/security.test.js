'use strict'
// Credentials in server URLs, secrets kept out of messages, and a LocalServer that dies with
// a crashed Node process. The behaviour is core's; these prove Node passes it through.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const net = require('node:net')
const path = require('node:path')
const { spawn } = require('node:child_process')
const { connect, LocalServer } = require('..')

test('user:password in the URL connects; a wrong one is AUTHORIZATION without the password', async () => {
  const server = await LocalServer.start({ jetstream: false, user: 'bob', password: 'pw-right-1' })
  try {
    const nc = await connect({ servers: server.url.replace('nats://', 'nats://bob:pw-right-1@') })
    await nc.flush()
    await nc.close()
    const wrong = server.url.replace('nats://', 'nats://bob:pw-S3CRET@')
    await assert.rejects(connect({ servers: wrong, reconnect: { max_attempts: 0 } }), (e) => {
      assert.equal(e.code, 'AUTHORIZATION')
      assert.ok(e.message.includes('"bob"'), e.message)
      assert.ok(!e.message.includes('pw-S3CRET'), e.message)
      return true
    })
  } finally {
    server.stop()
  }
})

test('a token in the URL connects', async () => {
  const server = await LocalServer.start({ jetstream: false, token: 'tok-in-url-7' })
  try {
    const nc = await connect({ servers: server.url.replace('nats://', 'nats://tok-in-url-7@') })
    await nc.flush()
    await nc.close()
  } finally {
    server.stop()
  }
})

test('a malformed URL is CONFIG without its password', async () => {
  await assert.rejects(connect({ servers: 'nats://bob:pw-S3CRET@bad host:4222' }), (e) => {
    assert.equal(e.code, 'CONFIG')
    assert.ok(e.message.includes('bob:***@bad host'), e.message)
    assert.ok(!e.message.includes('pw-S3CRET'), e.message)
    return true
  })
})

/** True while something accepts connections on 127.0.0.1:`port`. */
function accepting(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
  })
}

test('a LocalServer dies with a Node process killed by SIGKILL', async () => {
  const script = `
    const { LocalServer } = require(${JSON.stringify(path.join(__dirname, '..'))})
    LocalServer.start({ jetstream: false }).then((s) => {
      console.log('port ' + s.port)
      setInterval(() => {}, 1000)
    })`
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      const found = /port (\d+)/.exec(out)
      if (found) resolve(Number(found[1]))
    })
    child.once('exit', () => reject(new Error('the child exited before starting its server')))
  })
  assert.ok(await accepting(port))
  // It keeps running while its process lives (core's server_lifetime test covers the thread that started it ending).
  await new Promise((r) => setTimeout(r, 1000))
  assert.ok(await accepting(port), 'the server lives as long as its process')
  child.kill('SIGKILL')
  let gone = false
  for (const deadline = Date.now() + 2000; Date.now() < deadline && !gone; ) {
    gone = !(await accepting(port))
    if (!gone) await new Promise((r) => setTimeout(r, 50))
  }
  assert.ok(gone, `nats-server on port ${port} outlived its killed Node process`)
})
