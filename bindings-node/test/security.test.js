'use strict'
// Credentials in server URLs, TLS, secrets kept out of messages, and a LocalServer that dies
// with a crashed Node process. The behaviour is core's; these prove Node passes it through.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const { execFileSync, spawn } = require('node:child_process')
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

test('TLS connects with the right CA; another CA or none is CONNECT naming the cause', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natskit-tls-'))
  execFileSync('sh', [path.join(__dirname, '../../tests/tls/certs.sh'), dir])
  const file = (name) => path.join(dir, name)
  const args = ['--tls', '--tlscert', file('server.pem'), '--tlskey', file('server-key.pem')]
  const server = await LocalServer.start({ jetstream: false, args })
  try {
    const nc = await connect({ servers: server.url, tls: { ca: file('ca.pem') } })
    const sub = nc.subscribe('tls.echo')
    await nc.flush()
    nc.publish('tls.echo', 'over tls')
    const msg = await sub.next(5000)
    assert.equal(msg.string(), 'over tls')
    await nc.close()

    const refused = { servers: server.url, connect_timeout: 3000, reconnect: { max_attempts: 0 } }
    await assert.rejects(connect({ ...refused, tls: { ca: file('other-ca.pem') } }), (e) => {
      assert.equal(e.code, 'CONNECT')
      assert.ok(e.message.includes('certificate verification failed'), e.message)
      assert.ok(e.message.includes('unknown issuer'), e.message)
      return true
    })
    await assert.rejects(connect(refused), (e) => {
      assert.equal(e.code, 'CONNECT')
      assert.ok(e.message.includes('certificate verification failed'), e.message)
      return true
    })
  } finally {
    server.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
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
