import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// js-yaml comes with electron-builder (no yaml dependency of our own); it has no bundled types.
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

interface BuilderConfig {
  appId?: string;
  productName?: string;
  directories?: { output?: string };
  files?: string[];
  asar?: boolean;
  asarUnpack?: string[];
  npmRebuild?: boolean;
  electronDist?: unknown;
  fileAssociations?: Array<{ ext: string | string[]; name?: string; role?: string; mimeType?: string }>;
  linux?: { target?: string[]; category?: string; maintainer?: string; icon?: string };
  deb?: { depends?: string[] };
  win?: { target?: string[] };
  nsis?: { oneClick?: boolean; perMachine?: boolean };
  mac?: { target?: string[]; hardenedRuntime?: boolean; category?: string };
}

const file = fileURLToPath(new URL('../../electron-builder.yml', import.meta.url));
const config = yaml.load(readFileSync(file, 'utf8')) as BuilderConfig;

/** Minimal glob test for the asar patterns: ** any path, * one segment. */
function matches(pattern: string, path: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*\*\//g, '§')
    .replace(/\*\*/g, '.*')
    .replace(/\*/g, '[^/]*')
    .replace(/§/g, '(?:.*/)?');
  return new RegExp(`^${source}$`).test(path);
}

describe('electron-builder.yml', () => {
  it('names the app and writes to release/', () => {
    assert.equal(config.appId, 'app.paraphe.desktop');
    assert.equal(config.productName, 'Paraphe');
    assert.equal(config.directories?.output, 'release');
  });

  it('packages the bundle, the manifest and the assets', () => {
    for (const pattern of ['dist/**', 'package.json', 'assets/**']) assert.ok(config.files?.includes(pattern), pattern);
  });

  it('has every target: AppImage and deb, NSIS, dmg', () => {
    assert.deepEqual(config.linux?.target, ['AppImage', 'deb']);
    assert.deepEqual(config.win?.target, ['nsis']);
    assert.deepEqual(config.mac?.target, ['dmg']);
  });

  it('keeps both native addons and every .node file outside the asar', () => {
    assert.equal(config.asar, true);
    const unpack = config.asarUnpack ?? [];
    for (const path of [
      'node_modules/keytar/build/Release/keytar.node',
      'node_modules/keytar/package.json',
      'node_modules/pkcs11js/build/Release/pkcs11.node',
      'node_modules/pkcs11js/index.js',
      'node_modules/other/prebuilds/linux-x64/x.node',
    ]) assert.ok(unpack.some((pattern) => matches(pattern, path)), path);
  });

  it('does not rebuild the Node-API addons for Electron', () => {
    assert.equal(config.npmRebuild, false);
  });

  it('does not set electronDist to an unexpanded ${env...} macro (electron-builder takes it literally)', () => {
    assert.ok(typeof config.electronDist !== 'string' || !config.electronDist.includes('${'), String(config.electronDist));
  });

  it('associates .pdf files (viewer role, application/pdf)', () => {
    const pdf = config.fileAssociations?.find((a) => a.ext === 'pdf' || (Array.isArray(a.ext) && a.ext.includes('pdf')));
    assert.ok(pdf, 'no .pdf association');
    assert.equal(pdf.name, 'PDF document');
    assert.equal(pdf.role, 'Viewer');
    assert.equal(pdf.mimeType, 'application/pdf');
  });

  it('packages for Linux desktops with the keychain library the deb needs', () => {
    assert.equal(config.linux?.category, 'Office');
    assert.ok(config.linux?.maintainer);
    assert.ok(config.deb?.depends?.includes('libsecret-1-0'));
  });

  it('offers a per-user or per-machine Windows install, hardens the macOS runtime', () => {
    assert.equal(config.nsis?.oneClick, false);
    assert.equal(typeof config.nsis?.perMachine, 'boolean');
    assert.equal(config.mac?.hardenedRuntime, true);
    assert.equal(config.mac?.category, 'public.app-category.productivity');
  });

  it('points at an icon that exists and is a 512x512 PNG', () => {
    const icon = readFileSync(fileURLToPath(new URL(`../../${config.linux?.icon ?? 'missing'}`, import.meta.url)));
    assert.deepEqual([...icon.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(icon.readUInt32BE(16), 512);
    assert.equal(icon.readUInt32BE(20), 512);
  });
});
