#!/usr/bin/env node
// Launcher of the `paraphe` command line. `npm ci` builds dist/cli.cjs (the "prepare" script);
// if it is missing (a checkout without install scripts), it is built here once, quickly.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..', '..');
const bundle = path.join(root, 'dist', 'cli.cjs');
if (!fs.existsSync(bundle)) {
  const built = spawnSync(process.execPath, [path.join(root, 'main', 'tools', 'build.mjs'), '--only=cli'], { stdio: 'inherit' });
  if (built.status !== 0) {
    process.stderr.write('paraphe: could not build the command line (run "npm ci" in the Paraphe folder)\n');
    process.exit(2);
  }
}
require(bundle)
  .main(process.argv.slice(2))
  .then((code) => { process.exitCode = code; });
