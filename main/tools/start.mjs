#!/usr/bin/env node
// `npm start [-- file.pdf ...]`: builds (main/tools/build.mjs), then runs Electron on this project
// (package.json "main" is dist/main.cjs). Extra arguments go to the app, e.g. PDFs to open;
// relative paths are taken from the folder npm start was run in.
// Usage: node main/tools/start.mjs [--no-build] [app arguments...]
//   --no-build   skip the build (tests; a build already in dist/)
// Honours ELECTRON_OVERRIDE_DIST_PATH (an unpacked Electron folder), like the electron package.
// Without an Electron runtime it says so in one sentence and exits 1 (no stack trace): these
// machines install electron with ELECTRON_SKIP_BINARY_DOWNLOAD and cannot download it.
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectron } from './electron-runtime.mjs';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const args = process.argv.slice(2);
const build = !args.includes('--no-build');
const appArgs = args.filter((a) => a !== '--no-build');

function fail(sentence) {
  process.stderr.write(`${sentence}\n`);
  process.exit(1);
}

// Check the runtime first: no point building for a runtime that is not there.
const electron = findElectron();
if (!electron.ok) {
  const wanted = electron.version ? `Electron ${electron.version}` : 'Electron';
  fail(
    `Paraphe needs the ${wanted} runtime, which is not available here: ${electron.reason}; ` +
    'run `npx install-electron` on a machine that can download it, or set ELECTRON_OVERRIDE_DIST_PATH ' +
    `to an unpacked ${wanted} folder, then run npm start again.`,
  );
}

if (build) {
  const built = spawnSync(process.execPath, [fileURLToPath(new URL('./build.mjs', import.meta.url))], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) fail('Paraphe could not be built: the errors are above.');
}

const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE; // would make Electron a plain Node and ignore the app
const child = spawn(electron.executable, [root, ...appArgs], {
  cwd: process.env.INIT_CWD || process.cwd(),
  env,
  stdio: 'inherit',
  windowsHide: false,
});
child.on('error', (error) => fail(`Electron could not be started from ${electron.executable} (${error.code ?? error.message}).`));
child.on('close', (code, signal) => {
  if (code === null) fail(`Electron stopped on signal ${signal}.`);
  process.exit(code);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}
