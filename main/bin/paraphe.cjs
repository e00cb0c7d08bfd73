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
// Until main settles, the exit code is the internal error's (70, as main/cli.ts returns for a bug):
// if the event loop drains first (a promise that can never settle), node would otherwise exit 0,
// which `verify` callers read as "every signature is valid".
const INTERNAL_ERROR = 70;
process.exitCode = INTERNAL_ERROR;
let settled = false;
const internalError = (what) => {
  process.stderr.write(`paraphe: internal error: ${String(what).replace(/\s*[\r\n]+\s*/g, ' ')}\n`);
  process.exitCode = INTERNAL_ERROR;
};
process.on('beforeExit', () => {
  if (settled) return;
  settled = true;
  internalError('the command stopped before finishing (nothing was left to wait for)');
  process.exit(INTERNAL_ERROR);
});
let run;
try {
  run = require(bundle).main(process.argv.slice(2));
} catch (error) {
  run = Promise.reject(error);
}
Promise.resolve(run).then(
  (code) => {
    settled = true;
    process.exitCode = Number.isInteger(code) ? code : INTERNAL_ERROR;
  },
  (error) => {
    settled = true;
    internalError(error instanceof Error ? error.message : String(error));
    if (process.env.PARAPHE_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  },
);
