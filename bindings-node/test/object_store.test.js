'use strict'
// Object store from Node against a real server: a multi-chunk object with its digest, files
// both ways, list/info/delete/link/seal and the error codes.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { LocalServer, connect } = require('..')

let server
let nc
let js
before(async () => {
  server = await LocalServer.start({ jetstream: true })
  nc = await connect(server.url)
  js = nc.jetstream()
})
after(async () => {
  await nc.close()
  server.stop()
})

/** 300 KiB: three 128 KiB chunks. */
const DATA = Buffer.from(Array.from({ length: 300 * 1024 }, (_, i) => (i * 31 + 7) % 251))
const digest = (data) => 'SHA-256=' + crypto.createHash('sha256').update(data).digest('base64url') + '='

test('objects round trip with their digest; files both ways; list, info, delete, errors', async () => {
  const store = await js.createObjectStore({ bucket: 'nodefiles', description: 'node files', max_age: 3_600_000, storage: 'memory' })
  assert.equal(store.bucket, 'nodefiles')
  assert.equal((await js.streamInfo('OBJ_nodefiles')).config.max_age, 3_600_000)

  const info = await store.put('docs/report.bin', DATA, { description: 'report', headers: { 'X-Kind': 'bin' }, metadata: { owner: 'ann' } })
  assert.deepEqual([info.size, info.chunks, info.digest], [DATA.length, 3, digest(DATA)])
  const got = await store.get('docs/report.bin')
  assert.ok(Buffer.isBuffer(got) && got.equals(DATA))
  const stored = await store.info('docs/report.bin')
  assert.deepEqual([stored.headers, stored.metadata, stored.description], [{ 'X-Kind': ['bin'] }, { owner: 'ann' }, 'report'])

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natskit-obj-'))
  const source = path.join(dir, 'source.bin')
  fs.writeFileSync(source, Buffer.concat([DATA, DATA]))
  assert.equal((await store.putFile('copy.bin', source)).digest, digest(Buffer.concat([DATA, DATA])))
  const target = path.join(dir, 'target.bin')
  assert.equal((await store.getFile('copy.bin', target)).size, 2 * DATA.length)
  assert.ok(fs.readFileSync(target).equals(Buffer.concat([DATA, DATA])))

  assert.deepEqual((await store.link('latest', 'copy.bin')).link, { bucket: 'nodefiles', name: 'copy.bin' })
  assert.equal((await store.get('latest')).length, 2 * DATA.length)
  assert.deepEqual((await store.list()).map((i) => i.name), ['copy.bin', 'docs/report.bin', 'latest'])
  assert.deepEqual(await js.objectStoreNames(), ['nodefiles'])

  await store.delete('copy.bin')
  await assert.rejects(store.info('copy.bin'), { code: 'NOT_FOUND' })
  await assert.rejects(store.get('never'), { code: 'NOT_FOUND' })
  await assert.rejects(store.getFile('never', path.join(dir, 'never.bin')), { code: 'NOT_FOUND' })
  assert.equal(fs.existsSync(path.join(dir, 'never.bin')), false)
  await assert.rejects(store.delete('never'), { code: 'NOT_FOUND' })
  await assert.rejects(store.put('', 'x'), { code: 'INVALID_ARGUMENT' })
  await assert.rejects(store.put('x', 'x', { size: 1 }), { code: 'INVALID_ARGUMENT' })
  await assert.rejects(js.createObjectStore({ bucket: 'bad.name' }), { code: 'INVALID_ARGUMENT' })
  await assert.rejects(js.createObjectStore({ bucket: 'ok', max_age: -1 }), { code: 'INVALID_ARGUMENT' })

  await store.seal()
  await assert.rejects(store.put('more', 'x'), { code: 'INVALID_ARGUMENT', message: /sealed/ })
  assert.ok((await store.get('docs/report.bin')).equals(DATA))
  await js.deleteObjectStore('nodefiles')
  await assert.rejects(js.objectStore('nodefiles'), { code: 'NOT_FOUND' })
  fs.rmSync(dir, { recursive: true })
})

test('watch yields the objects there, then puts and deletes; for await ends on stop', async () => {
  const store = await js.createObjectStore({ bucket: 'nodewatch', storage: 'memory' })
  await store.put('a', '1')
  const watch = await store.watch()
  const first = await watch.next(2000)
  assert.deepEqual([first.name, first.deleted], ['a', false])
  assert.equal(await watch.next(200), null)
  const updates = await store.watch({ updatesOnly: true, ignoreDeletes: true })
  await store.put('b', '22')
  await store.delete('a')
  const seen = [await watch.next(2000), await watch.next(2000)].map((i) => [i.name, i.deleted])
  assert.deepEqual(seen, [['b', false], ['a', true]])
  assert.equal((await updates.next(2000)).name, 'b')
  assert.equal(await updates.next(200), null)
  await assert.rejects(store.watch({ history: true }), { code: 'INVALID_ARGUMENT' })
  await store.put('c', '3')
  const names = []
  for await (const info of updates) {
    names.push(info.name)
    break // stops the watch
  }
  assert.deepEqual(names, ['c'])
  await assert.rejects(updates.next(100), { code: 'CLOSED' })
  await watch.stop()
  await assert.rejects(watch.next(100), { code: 'CLOSED' })
  await js.deleteObjectStore('nodewatch')
})
