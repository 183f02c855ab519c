'use strict'
// The two npm packages `make dist` packs, in napi-rs' layout:
//   node pack.js manifests VERSION MAIN PLATFORM   package.json of both, at the workspace version
//   node pack.js finish MAIN                       after `napi build`: index.mjs and index.d.mts
//   node pack.js esm DIR                           index.mjs and index.d.mts beside DIR/index.js
//                                                  (`make build` writes the repository's)
// MAIN is `natskit` (JavaScript, ESM + CJS entries, types; no install script, no Rust), and
// PLATFORM is `natskit-linux-x64-gnu` (the addon), MAIN's optional dependency.

const fs = require('node:fs')
const path = require('node:path')

const ADDON = 'natskit.linux-x64-gnu.node'

function writeJson(dir, value) {
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(value, null, 2) + '\n')
}

function manifests(version, main, platform) {
  const dev = require('./package.json')
  const common = { version, license: dev.license, engines: dev.engines }
  writeJson(platform, {
    name: `${dev.name}-linux-x64-gnu`,
    ...common,
    description: `The linux-x64-gnu native addon of ${dev.name} (installed by it).`,
    os: ['linux'],
    cpu: ['x64'],
    libc: ['glibc'],
    main: ADDON,
    files: [ADDON],
  })
  writeJson(main, {
    name: dev.name,
    ...common,
    description: dev.description,
    main: 'index.js',
    types: 'index.d.ts',
    exports: dev.exports,
    files: ['index.js', 'index.mjs', 'index.d.ts', 'index.d.mts', 'binding.js'],
    napi: dev.napi, // for `napi build` only; finish() drops it
    optionalDependencies: { [`${dev.name}-linux-x64-gnu`]: version },
  })
}

// Drops the build-only `napi` field and writes the ESM entry.
function finish(main) {
  const manifest = JSON.parse(fs.readFileSync(path.join(main, 'package.json'), 'utf8'))
  delete manifest.napi
  writeJson(main, manifest)
  esm(main)
}

// The ESM entry re-exports the public names of the built CommonJS entry (names starting with
// `_` are napi's internals and hidden test hooks).
function esm(dir) {
  const names = Object.keys(require(path.resolve(dir, 'index.js'))).filter((n) => !n.startsWith('_')).sort()
  fs.writeFileSync(
    path.join(dir, 'index.mjs'),
    "import natskit from './index.js'\n\n" +
      `export const { ${names.join(', ')} } = natskit\nexport default natskit\n`,
  )
  fs.writeFileSync(
    path.join(dir, 'index.d.mts'),
    "export * from './index.js'\nimport * as natskit from './index.js'\nexport default natskit\n",
  )
}

const [command, ...args] = process.argv.slice(2)
if (command === 'manifests') manifests(...args)
else if (command === 'finish') finish(...args)
else if (command === 'esm') esm(...args)
else throw new Error('usage: node pack.js manifests VERSION MAIN PLATFORM | finish MAIN | esm DIR')
