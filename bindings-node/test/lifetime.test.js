'use strict'
// Process lifetime, checked in child processes: a closed client lets Node exit by itself,
// a callback subscription keeps it alive until it is unsubscribed.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const path = require('node:path')
const { serverAndClient } = require('./helpers')

const PKG = path.resolve(__dirname, '..')
let server
let nc

before(async () => {
  ;({ server, nc } = await serverAndClient())
})

after(async () => {
  await nc.close()
  server.stop()
})

/** Runs `code` in a child node process; resolves { code, out } when it exits on its own. */
function runChild(code, onLine = () => {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', code], {
      env: { ...process.env, NATSKIT_PKG: PKG, NATS_URL: server.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    const killer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`child did not exit by itself; output so far: ${out}`))
    }, 15000)
    child.stdout.on('data', (d) => {
      out += d
      for (const line of String(d).split('\n').filter(Boolean)) onLine(line)
    })
    child.on('exit', (code) => {
      clearTimeout(killer)
      resolve({ code, out })
    })
  })
}

test('a process whose client is closed exits by itself', async () => {
  const { code, out } = await runChild(`
    const { connect } = require(process.env.NATSKIT_PKG)
    ;(async () => {
      const nc = await connect(process.env.NATS_URL)
      const sub = nc.subscribe('life.pull')
      nc.publish('life.pull', 'x')
      await nc.flush()
      await nc.close()
      console.log('closed')
    })()
  `)
  assert.equal(code, 0)
  assert.match(out, /closed/)
})

test('a callback subscription keeps the process alive until unsubscribe()', async () => {
  const { code, out } = await runChild(
    `
    const { connect } = require(process.env.NATSKIT_PKG)
    ;(async () => {
      const nc = await connect(process.env.NATS_URL)
      const sub = nc.subscribe('life.cb', {
        callback: async (m) => {
          console.log('got ' + m.string())
          await sub.unsubscribe()
          await nc.close()
        },
      })
      await nc.flush()
      console.log('ready')
    })()
  `,
    (line) => {
      if (line === 'ready') setTimeout(() => nc.publish('life.cb', 'late'), 300)
    },
  )
  assert.equal(code, 0)
  assert.match(out, /ready\s+got late/)
})

test('closing the client ends callback subscriptions and lets the process exit', async () => {
  const { code, out } = await runChild(`
    const { connect } = require(process.env.NATSKIT_PKG)
    ;(async () => {
      const nc = await connect(process.env.NATS_URL)
      nc.subscribe('life.open', { callback: () => {} })
      await nc.flush()
      setTimeout(async () => { await nc.close(); console.log('closed') }, 100)
    })()
  `)
  assert.equal(code, 0)
  assert.match(out, /closed/)
})
