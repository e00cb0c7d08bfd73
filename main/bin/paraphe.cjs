#!/usr/bin/env node
// Launcher of the `paraphe` command line. `npm ci` builds dist/cli.cjs (the "prepare" script);
// if it is missing (a checkout without install scripts), it is built here once, quickly.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const root = path.join(__dirname, '..', '..');
const bundle = path.join(root, 'dist', 'cli.cjs');
if (!fs.existsSync(bundle)) {
  // node:child_process only here: loading it costs every other run 7 ms.
  const built = require('node:child_process').spawnSync(process.execPath, [path.join(root, 'main', 'tools', 'build.mjs'), '--only=cli'], { stdio: 'inherit' });
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

/**
 * Loads the bundle as require() would, with V8's code cache: compiling 3 MB of JavaScript is a
 * quarter of a one-page `paraphe sign`. The cache sits beside the bundle (dist/cli.cjs.v8cache),
 * keyed by what V8 does not check itself: the bundle's identity (inode, size, modification time;
 * V8 only compares the source's length) and this Node. It is written after a run, once, when it
 * was missing, stale or refused (another Node, other V8 flags), through a temporary file renamed
 * into place; a folder that cannot be written just means no cache. It holds compiled code, never
 * a value of the run (no password, no document).
 */
function loadBundle(file) {
  const Module = require('node:module');
  const vm = require('node:vm');
  const fd = fs.openSync(file, 'r');
  let source;
  let key;
  try {
    const stat = fs.fstatSync(fd);
    key = `paraphe-cli-cache 1 ${process.version} ${process.arch} ${stat.ino} ${stat.size} ${stat.mtimeMs}\n`;
    // esbuild writes ASCII (non-ASCII characters escaped): decoded as Latin-1, the same text, in a
    // tenth of a millisecond where Node's UTF-8 decoder takes 25 ms for these 3 MB.
    const bytes = fs.readFileSync(fd);
    const { isAscii } = require('node:buffer');
    source = typeof isAscii === 'function' && isAscii(bytes) ? bytes.latin1Slice(0, bytes.length) : bytes.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
  const cacheFile = `${file}.v8cache`;
  let cachedData;
  try {
    const bytes = fs.readFileSync(cacheFile);
    const header = Buffer.from(key);
    if (bytes.length > header.length && bytes.subarray(0, header.length).equals(header)) cachedData = bytes.subarray(header.length);
  } catch {
    // No cache yet: this run makes one.
  }
  // No import() may reach this script (Node 20 cannot resolve one from a cached vm script): the
  // build turns the native addons' import() into require() and refuses a bundle that has another.
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  const stale = cachedData === undefined || script.cachedDataRejected === true;
  const saveCache = () => {
    if (!stale) return;
    const temp = `${cacheFile}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(temp, Buffer.concat([Buffer.from(key), script.createCachedData()]), { mode: 0o644 });
      fs.renameSync(temp, cacheFile);
    } catch {
      fs.rmSync(temp, { force: true });
    }
  };
  return { main: mod.exports.main, saveCache };
}

/**
 * Help and the version come from dist/cli-usage.cjs, a few kilobytes with no imports: a bare Node
 * start instead of loading the whole command line. Anything else (and a build without that file)
 * goes to main.
 */
function quickAnswer(argv) {
  const usage = path.join(root, 'dist', 'cli-usage.cjs');
  if (argv.length === 0 || argv.length > 2 || !fs.existsSync(usage)) return null;
  const { VERSION, quickAnswer: answer } = require(usage);
  return typeof VERSION === 'string' ? answer(argv, VERSION) : null;
}

let run;
let saveCache = () => {};
const quick = quickAnswer(process.argv.slice(2));
if (quick !== null) {
  // `paraphe --help | head -1`: a closed pipe is not an error.
  process.stdout.on('error', (error) => process.exit(error.code === 'EPIPE' ? 0 : INTERNAL_ERROR));
  process.stdout.write(quick);
  run = 0;
} else {
  try {
    const loaded = loadBundle(bundle);
    saveCache = loaded.saveCache;
    run = loaded.main(process.argv.slice(2));
  } catch (error) {
    run = Promise.reject(error);
  }
}
Promise.resolve(run).then(
  (code) => {
    settled = true;
    process.exitCode = Number.isInteger(code) ? code : INTERNAL_ERROR;
    saveCache();
  },
  (error) => {
    settled = true;
    internalError(error instanceof Error ? error.message : String(error));
    if (process.env.PARAPHE_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  },
);
