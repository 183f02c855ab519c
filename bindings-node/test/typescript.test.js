'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')

test('a TypeScript sample using the published types compiles with tsc --noEmit', () => {
  const tsc = require.resolve('typescript/bin/tsc')
  const project = path.join(__dirname, 'ts', 'tsconfig.json')
  const run = spawnSync(process.execPath, [tsc, '--noEmit', '-p', project], { encoding: 'utf8' })
  assert.equal(run.status, 0, `tsc failed:\n${run.stdout}${run.stderr}`)
})

test('the types reject a misuse', () => {
  const tsc = require.resolve('typescript/bin/tsc')
  const fs = require('node:fs')
  const os = require('node:os')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natskit-ts-'))
  fs.writeFileSync(
    path.join(dir, 'bad.ts'),
    "import { connect } from 'natskit'\nasync function f() { const nc = await connect(); const n: number = nc.subscribe('x').subject }\nvoid f\n",
  )
  const root = path.resolve(__dirname, '..')
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'ES2022',
        module: 'commonjs',
        moduleResolution: 'node',
        types: ['node'],
        typeRoots: [path.join(root, 'node_modules/@types')],
        baseUrl: '.',
        paths: { natskit: [path.join(root, 'index.d.ts')] },
      },
      files: ['bad.ts'],
    }),
  )
  const run = spawnSync(process.execPath, [tsc, '--noEmit', '-p', path.join(dir, 'tsconfig.json')], { encoding: 'utf8' })
  fs.rmSync(dir, { recursive: true, force: true })
  assert.notEqual(run.status, 0)
  assert.match(run.stdout, /TS2322/)
})

test('TypeScript with module nodenext: an ES module and a CommonJS module type-check, and the ES module runs', async () => {
  const fs = require('node:fs')
  const os = require('node:os')
  const { LocalServer } = require('..')
  const root = path.resolve(__dirname, '..')
  // A project of a user who installed the package: natskit and @types/node in its node_modules.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natskit-nodenext-'))
  fs.mkdirSync(path.join(dir, 'node_modules'))
  fs.symlinkSync(root, path.join(dir, 'node_modules', 'natskit'), 'dir')
  fs.symlinkSync(path.join(root, 'node_modules', '@types'), path.join(dir, 'node_modules', '@types'), 'dir')
  for (const name of ['tsconfig.json', 'app.mts', 'app.cts']) fs.copyFileSync(path.join(__dirname, 'ts-esm', name), path.join(dir, name))
  const server = await LocalServer.start({ jetstream: false })
  try {
    const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' })
    assert.equal(tsc.status, 0, `tsc failed:\n${tsc.stdout}${tsc.stderr}`)
    const run = spawnSync(process.execPath, [path.join(dir, 'out', 'app.mjs'), server.url], { encoding: 'utf8', timeout: 30000 })
    assert.equal(run.status, 0, run.stderr)
    assert.equal(run.stdout, 'esm hi true\n')
  } finally {
    server.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
