// The renderer may only name paths main received (main/services/granted-paths.ts, consulted by the
// handlers of main/ipc/handlers.ts): its dialogs, the command line, its recent list. Anything
// else is one neutral refusal, whether the file exists or not; a file that is not a PDF is never
// quoted back.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dispatch } from '../../main/ipc/dispatch';
import { createHandlers, requestOpen } from '../../main/ipc/handlers';
import { RendererBridge } from '../../main/ipc/renderer-bridge';
import { createServices } from '../../main/services';
import type { Services } from '../../main/services';
import { GrantedPaths } from '../../main/services/granted-paths';
import { simplePdf } from './helpers/pdf-build';
import { policy, quiet, trusted } from './helpers/ipc';

describe('GrantedPaths', () => {
  it('grants by absolute path and kind, and follows the kept lists at check time', async () => {
    let kept: string[] = [];
    const paths = new GrantedPaths(async (kind) => (kind === 'document' ? kept : []));
    paths.grant('/home/anne/docs/../docs/a.pdf', 'document');
    assert.equal(await paths.isGranted('/home/anne/docs/a.pdf', 'document'), true);
    assert.equal(await paths.isGranted('/home/anne/docs/a.pdf', 'certificate'), false, 'a PDF granted is not a .p12 to import');
    assert.equal(await paths.isGranted('/etc/passwd', 'document'), false);
    kept = ['/home/anne/recent.pdf'];
    assert.equal(await paths.isGranted('/home/anne/recent.pdf', 'document'), true);
    kept = [];
    assert.equal(await paths.isGranted('/home/anne/recent.pdf', 'document'), false, 'removed from the recent list: no longer');
    await assert.rejects(paths.check('/etc/shadow', 'document'), (e: { code?: string }) => e.code === 'path-not-granted');
  });
});

describe('document:openPath and identity:importP12 through the handlers', () => {
  let dir: string;
  let services: Services;
  let handlers: ReturnType<typeof createHandlers>;
  let bridge: RendererBridge;
  const dialogAnswers: (string | null)[] = [];
  const call = (channel: string, payload: unknown) => dispatch(handlers, policy, channel, payload, trusted, quiet);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-granted-'));
    await writeFile(join(dir, 'a.pdf'), simplePdf({ pages: 1 }));
    await copyFile(join(dir, 'a.pdf'), join(dir, 'b.pdf'));
    await writeFile(join(dir, 'credentials.pdf'), 'token=s3cr3t-t0ken\nmore\n');
    services = createServices({
      userDataDir: join(dir, 'profile'),
      appRoot: process.cwd(),
      env: { appName: 'Paraphe', version: 'test', platform: process.platform, systemLocale: 'en-US' },
      keychain: { get: async () => null, set: async () => undefined, delete: async () => false },
      dialogs: {
        chooseDocument: async () => dialogAnswers.shift() ?? null,
        chooseCertificateFile: async () => null,
        chooseModuleFile: async () => null,
        chooseSavePath: async () => null,
      },
    });
    bridge = new RendererBridge();
    bridge.attach(() => undefined);
    handlers = createHandlers(services, bridge);
  });

  after(async () => {
    await services.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses what main never received, the same way for a PDF, a secret, a folder and nothing', async () => {
    const results = await Promise.all(
      ['/etc/passwd', join(dir, 'a.pdf'), join(dir, 'credentials.pdf'), dir, join(dir, 'missing.pdf')].map((path) => call('document:openPath', { path })),
    );
    for (const result of results) assert.equal(!result.ok && result.error.code, 'path-not-granted');
    assert.equal(new Set(results.map((r) => (r.ok ? '' : r.error.message))).size, 1);
    const p12 = await call('identity:importP12', { path: join(dir, 'a.pdf'), password: 'x' });
    assert.equal(!p12.ok && p12.error.code, 'path-not-granted');
    assert.equal(services.documents.openCount, 0, 'nothing was opened');
  });

  it('opens what the dialog chose, then by path from the recent list, and what main was handed (argv)', async () => {
    dialogAnswers.push(join(dir, 'a.pdf'));
    const chosen = await call('document:chooseAndOpen', {});
    assert.equal(chosen.ok, true, JSON.stringify(chosen));
    const again = await call('document:openPath', { path: join(dir, 'a.pdf') });
    assert.equal(again.ok, true, JSON.stringify(again));
    assert.equal(requestOpen(services, bridge, join(dir, 'b.pdf')), true);
    const handed = await call('document:openPath', { path: join(dir, 'b.pdf') });
    assert.equal(handed.ok, true, JSON.stringify(handed));
  });

  it('never quotes a granted file that is not a PDF', async () => {
    dialogAnswers.push(join(dir, 'credentials.pdf'));
    const result = await call('document:chooseAndOpen', {});
    assert.equal(!result.ok && result.error.code, 'not-pdf');
    assert.doesNotMatch(result.ok ? '' : result.error.message, /s3cr3t|token=|starts with/);
  });
});
