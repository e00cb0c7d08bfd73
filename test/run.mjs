#!/usr/bin/env node
// The whole test suite: lint, typecheck, build, then every *.test.ts under test/ with Node's
// test runner (TypeScript through tsx). The last line printed is "N passed, N failed, N skipped".
// Usage: node test/run.mjs [--no-static] [FILTER...]   (FILTER: substrings of test file paths;
// --no-static skips lint and typecheck, never the build)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const skipStatic = args.includes('--no-static');
const filters = args.filter((a) => !a.startsWith('--'));

function step(name, command, commandArgs) {
  const started = Date.now();
  process.stdout.write(`▶ ${name}\n`);
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    process.stdout.write(`✖ ${name} failed after ${seconds}s\n0 passed, 1 failed, 0 skipped\n`);
    process.exit(1);
  }
  process.stdout.write(`✔ ${name} (${seconds}s)\n`);
}

function findTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'fixtures-out') continue;
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...findTests(full));
    else if (entry.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const npx = join(root, 'node_modules', '.bin');
if (!skipStatic) {
  step('lint', join(npx, 'eslint'), ['--max-warnings', '0', '.']);
  step('typecheck (node)', join(npx, 'tsc'), ['-p', 'tsconfig.node.json']);
  step('typecheck (web)', join(npx, 'tsc'), ['-p', 'tsconfig.web.json']);
  step('typecheck (tests)', join(npx, 'tsc'), ['-p', 'tsconfig.test.json']);
}
// Every bundle is built once, before any test starts, even with --no-static: tests never rebuild,
// because a test file running in parallel may be executing dist/cli.cjs at that moment.
step('build', process.execPath, ['main/tools/build.mjs']);

let files = findTests(join(root, 'test')).sort();
if (filters.length > 0) files = files.filter((f) => filters.some((flt) => f.includes(flt)));
if (files.length === 0) {
  process.stdout.write('no test file matched\n0 passed, 0 failed, 0 skipped\n');
  process.exit(filters.length > 0 ? 1 : 1);
}
process.stdout.write(`▶ ${files.length} test files\n`);
const result = spawnSync(
  process.execPath,
  [
    '--import', 'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=./test/reporters/summary.mjs', '--test-reporter-destination=stdout',
    ...files.map((f) => relative(root, f)),
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, PARAPHE_TEST: '1' } },
);
process.exit(result.status ?? 1);
