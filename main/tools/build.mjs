#!/usr/bin/env node
// Builds every runtime of Paraphe with esbuild into dist/:
//   dist/main.cjs      Electron main process (main/app/main.ts)
//   dist/preload.cjs   sandboxed preload (preload/index.ts)
//   dist/cli.cjs       the `paraphe` command line (main/cli.ts), same services, no Electron
//   dist/cli-usage.cjs its help texts and version alone (main/cli/usage.ts), for a fast --help
//   dist/renderer/     the React renderer, pdf.js worker, its fonts and cMaps, locales
// Usage: node main/tools/build.mjs [--only=main,preload,cli,renderer] [--dev]
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const only = (args.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? 'main,preload,cli,renderer').split(',');
const dev = args.includes('--dev');
const out = join(root, 'dist');
const nativeAddons = ['pkcs11js', 'keytar'];
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const common = {
  bundle: true,
  sourcemap: dev ? 'inline' : false,
  legalComments: 'none',
  logLevel: 'warning',
  define: { __PARAPHE_VERSION__: JSON.stringify(pkg.version) },
};

/**
 * fontkit imports brotli (1.4 MB of JS, initialised at load) only to read WOFF2 fonts; we embed
 * a TrueType font, so the bundles get a stub that says so if it is ever reached.
 */
const noBrotli = {
  name: 'no-brotli',
  setup(b) {
    b.onResolve({ filter: /^brotli(\/.*)?$/ }, (args) => ({ path: args.path, namespace: 'no-brotli' }));
    b.onLoad({ filter: /.*/, namespace: 'no-brotli' }, () => ({
      contents: "module.exports = function () { throw new Error('WOFF2 fonts are not supported: Paraphe embeds TrueType fonts'); };",
      loader: 'js',
    }));
  },
};

/**
 * zod re-exports every one of its 50 locales as a namespace (`z.locales`), which no bundler can
 * drop: 290 KB of the command line that nothing here reads (zod words its own errors in English,
 * and Paraphe words them through its catalog). The namespace keeps English alone.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)$/.test(args.resolveDir) ? { path: join(args.resolveDir, '..', 'locales', 'index.js'), namespace: 'zod-english-only' } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({ contents: 'export { default as en } from "./en.js";', resolveDir: dirname(args.path), loader: 'js' }));
  },
};

/**
 * The command line's launcher runs dist/cli.cjs from V8's code cache as a vm script, where Node 20
 * cannot resolve a dynamic import(): the native addons' `import('pkcs11js')` and `import('keytar')`
 * become require() of the same external module (still loaded lazily, on first use).
 */
const nativeRequire = {
  name: 'native-require',
  setup(b) {
    const filter = new RegExp(`^(${nativeAddons.join('|')})$`);
    b.onResolve({ filter }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, namespace: 'native-require' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'native-require' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

/** Refuses a command-line bundle that still has a dynamic import() (see nativeRequire). */
function refuseDynamicImport(result) {
  for (const file of result.outputFiles) {
    const found = /\bimport\((?!\))/.exec(file.text);
    if (found) {
      const line = file.text.slice(0, found.index).split('\n').length;
      throw new Error(`${file.path}:${line}: a dynamic import() is left in the command-line bundle; main/bin/paraphe.cjs cannot run it from its code cache (bundle it, or load it with require)`);
    }
  }
}

/**
 * Refuses a command-line bundle that holds what its start-up must not pay for (issue 11): the
 * IPC contract's index and channels (every channel's zod schema, built at load; the command line
 * imports the schema files it needs) and zod's locales beyond English (see zodEnglishOnly).
 */
function refuseStartupWeight(result) {
  const inputs = Object.values(result.metafile.outputs).flatMap((output) => Object.keys(output.inputs));
  const heavy = inputs.filter((f) => /preload\/contract\/schemas\/(index|channels)\.ts$/.test(f) || (/zod\/v4\/locales\//.test(f) && !/\/(en|index)\.js$/.test(f)));
  if (heavy.length > 0) throw new Error(`the command-line bundle holds ${heavy.join(', ')}: import the schema file you need, not preload/contract/schemas (see main/tools/build.mjs)`);
}

/**
 * esbuild with `write: false`, then each output written to a temp file beside it and renamed over
 * the old one: a process that loads a bundle while another build runs (parallel test files, a
 * second `npm run build`) reads the old bundle or the new one whole, never a half-written file.
 */
async function buildAtomic(options, check = () => {}) {
  const result = await build({ ...options, write: false });
  check(result);
  for (const file of result.outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    const temp = `${file.path}.${process.pid}.${Date.now()}.tmp`;
    try {
      writeFileSync(temp, file.contents);
      renameSync(temp, file.path);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
  }
  return result;
}

const node = { ...common, platform: 'node', format: 'cjs', target: 'node20', mainFields: ['module', 'main'], plugins: [noBrotli, zodEnglishOnly] };

async function buildMain() {
  await buildAtomic({ ...node, entryPoints: [join(root, 'main/app/main.ts')], outfile: join(out, 'main.cjs'), external: ['electron', ...nativeAddons] });
}
async function buildPreload() {
  // A sandboxed preload may require('electron') and nothing else: everything is bundled.
  await buildAtomic({ ...node, entryPoints: [join(root, 'preload/index.ts')], outfile: join(out, 'preload.cjs'), external: ['electron'] });
}
async function buildCli() {
  await buildAtomic(
    { ...node, minifyWhitespace: !dev, minifySyntax: !dev, metafile: true, entryPoints: [join(root, 'main/cli.ts')], outfile: join(out, 'cli.cjs'), external: ['electron', ...nativeAddons], plugins: [...node.plugins, nativeRequire] },
    (result) => {
      refuseDynamicImport(result);
      refuseStartupWeight(result);
    },
  );
  // Help and version without the whole bundle (main/bin/paraphe.cjs asks this one first).
  await buildAtomic({ ...node, entryPoints: [join(root, 'main/cli/usage.ts')], outfile: join(out, 'cli-usage.cjs') });
}
async function buildRenderer() {
  const dir = join(out, 'renderer');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await buildAtomic({
    ...common,
    entryPoints: { app: join(root, 'renderer/src/main.tsx') },
    outdir: dir,
    platform: 'browser',
    format: 'esm',
    target: 'chrome120',
    minify: !dev,
    jsx: 'automatic',
    loader: { '.svg': 'file', '.png': 'file', '.gif': 'file', '.woff2': 'file', '.ttf': 'file' },
    define: { ...common.define, 'process.env.NODE_ENV': JSON.stringify(dev ? 'development' : 'production') },
  });
  cpSync(join(root, 'renderer/index.html'), join(dir, 'index.html'));
  // pdf.js: the worker, plus the standard fonts, cMaps and wasm decoders it fetches from our own origin.
  const pdfjs = dirname(require.resolve('pdfjs-dist/package.json'));
  cpSync(join(pdfjs, 'build/pdf.worker.min.mjs'), join(dir, 'pdf.worker.min.mjs'));
  for (const sub of ['standard_fonts', 'cmaps', 'wasm']) {
    if (existsSync(join(pdfjs, sub))) cpSync(join(pdfjs, sub), join(dir, 'pdfjs', sub), { recursive: true });
  }
  writeFileSync(join(dir, 'build.json'), JSON.stringify({ version: pkg.version, builtAt: new Date().toISOString() }));
}

const tasks = { main: buildMain, preload: buildPreload, cli: buildCli, renderer: buildRenderer };
mkdirSync(out, { recursive: true });
await Promise.all(only.map((name) => {
  const task = tasks[name];
  if (!task) throw new Error(`unknown build target "${name}" (expected ${Object.keys(tasks).join(', ')})`);
  return task();
}));
