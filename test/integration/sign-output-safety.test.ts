// What is signed and where it goes: `paraphe sign IN -o link/IN.pdf` through a symbolic link to
// the input's folder is refused and the input stays as it was; the app signs the bytes it opened
// (a file changed on disk since is refused, nothing written); a signature that hangs and is
// cancelled leaves no temp file. Real CLI, real PKCS#12 of the test PKI, real PDFs.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, open, readFile, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServices } from '../../main/services';
import type { Services } from '../../main/services';
import { SigningSession } from '../../main/services/signing';
import { openPkcs12Signer } from '../../main/signers';
import { missingTools } from '../fixtures/pki';
import { createPkiAndPdfs, p12Args, P12_ENV, paraphe, root } from '../fixtures/signing-bed';
import type { PkiAndPdfs } from '../fixtures/signing-bed';

const missing = missingTools('openssl', 'qpdf', 'gs');
if (missing.length > 0) console.log(`SKIPPED sign output safety tests: not installed: ${missing.join(', ')}`);

const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');
const temps = async (folder: string) => (await readdir(folder)).filter((name) => name.includes('.paraphe-'));

describe('signed outputs: never over the input, only what was opened, nothing left behind', { skip: missing.length > 0 ? missing.join(', ') : false, timeout: 180_000 }, () => {
  let dir: string;
  let bed: PkiAndPdfs;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-output-safety-'));
    bed = await createPkiAndPdfs(dir);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('CLI: `sign IN -o link/IN.pdf` through a symlinked folder is refused and the input is unchanged', async () => {
    const folder = join(dir, 'cli');
    await mkdir(folder);
    const input = join(folder, 'lease.pdf');
    await copyFile(bed.pdfs.simple, input);
    await symlink(folder, join(dir, 'cli-link'));
    const before = await sha256(input);
    const result = await paraphe(['sign', input, '-o', join(dir, 'cli-link', 'lease.pdf'), ...p12Args(bed.pki.p12.signer), '--json'], P12_ENV);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /cannot replace lease\.pdf: the original is never overwritten/);
    assert.equal((JSON.parse(result.stdout) as { error?: { code: string } }).error?.code, 'output-is-input');
    assert.equal(await sha256(input), before, 'the input is untouched');
    assert.deepEqual(await temps(folder), []);
  });

  describe('the app', () => {
    let services: Services;
    const saveAnswers: (string | null)[] = [];
    let p12Id: string;
    before(async () => {
      services = createServices({
        userDataDir: join(dir, 'profile'),
        appRoot: root,
        env: { appName: 'Paraphe', version: 'test', platform: process.platform, systemLocale: 'en-US' },
        keychain: { get: async () => null, set: async () => undefined, delete: async () => false },
        dialogs: {
          chooseDocument: async () => null,
          chooseCertificateFile: async () => null,
          chooseModuleFile: async () => null,
          chooseSavePath: async () => saveAnswers.shift() ?? null,
        },
      });
      p12Id = (await services.identities.importP12(bed.pki.p12.signer, bed.pki.password)).id;
    });
    after(async () => services?.dispose());

    const request = (docId: string) => ({ docId, identityId: p12Id, password: bed.pki.password, placement: { kind: 'invisible' as const }, level: 'B-B' as const });

    it('signs what was opened: a file changed in place since is refused, nothing written', async () => {
      const folder = join(dir, 'app-changed');
      await mkdir(folder);
      const input = join(folder, 'contract.pdf');
      await copyFile(bed.pdfs.simple, input);
      const doc = await services.documents.openPath(input);
      // Let the hash of what was opened finish, then change one byte in place (same size, same inode).
      await new Promise((r) => setTimeout(r, 200));
      const handle = await open(input, 'r+');
      const size = (await handle.stat()).size;
      await handle.write(Buffer.from('%'), 0, 1, Math.floor(size / 2));
      await handle.close();
      const output = join(folder, 'contract-signed.pdf');
      saveAnswers.push(output);
      await assert.rejects(services.signing.sign(request(doc.docId)), (e: { code?: string; message?: string }) =>
        e.code === 'input-changed' && /changed on disk since it was opened/.test(e.message ?? ''));
      await assert.rejects(stat(output), 'no output');
      assert.deepEqual(await temps(folder), []);
      await services.documents.close(doc.docId);
    });

    it('signs the opened bytes even when the path now leads to another file', async () => {
      const folder = join(dir, 'app-replaced');
      await mkdir(folder);
      const input = join(folder, 'contract.pdf');
      await copyFile(bed.pdfs.simple, input);
      const viewed = await readFile(input);
      const doc = await services.documents.openPath(input);
      // Replaced by another file under the same name (rename over it): the viewed bytes are signed.
      await copyFile(bed.pdfs.simple, join(folder, 'other.tmp'));
      const { rename, appendFile } = await import('node:fs/promises');
      await appendFile(join(folder, 'other.tmp'), '\n% something else\n');
      await rename(join(folder, 'other.tmp'), input);
      const output = join(folder, 'contract-signed.pdf');
      saveAnswers.push(output);
      const signed = await services.signing.sign(request(doc.docId));
      assert.ok(signed);
      const written = await readFile(output);
      assert.ok(written.subarray(0, viewed.length).equals(viewed), 'the signed copy starts with the bytes that were opened');
      await services.documents.close(doc.docId);
      if (signed) await services.documents.close(signed.document.docId);
    });

    it('the output-is-input check of the app is the CLI\'s: through a symlinked folder too', async () => {
      const folder = join(dir, 'app-link');
      await mkdir(folder);
      const input = join(folder, 'lease.pdf');
      await copyFile(bed.pdfs.simple, input);
      await symlink(folder, join(dir, 'app-link-link'));
      const before = await sha256(input);
      const doc = await services.documents.openPath(input);
      saveAnswers.push(join(dir, 'app-link-link', 'lease.pdf'));
      await assert.rejects(services.signing.sign(request(doc.docId)), (e: { code?: string; message?: string }) =>
        e.code === 'output-is-input' && /cannot replace lease\.pdf: the original is never overwritten/.test(e.message ?? ''));
      assert.equal(await sha256(input), before);
      await services.documents.close(doc.docId);
    });
  });

  it('a signature that hangs and is cancelled leaves no temp file and no output', async () => {
    const folder = join(dir, 'hang');
    await mkdir(folder);
    const input = join(folder, 'lease.pdf');
    await copyFile(bed.pdfs.simple, input);
    const real = await openPkcs12Signer(bed.pki.p12.signer, bed.pki.password);
    try {
      const hanging = Object.create(real) as typeof real;
      hanging.sign = () => new Promise(() => undefined);
      const session = new SigningSession(hanging, { level: 'B-B', hash: 'sha256' }, root);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const output = join(folder, 'lease-signed.pdf');
      await assert.rejects(session.sign(input, output, { signal: controller.signal }), (e: { code?: string }) => e.code === 'cancelled');
      assert.deepEqual(await temps(folder), []);
      await assert.rejects(stat(output));
      // A failure in prepare (not a PDF) leaves nothing either.
      await copyFile('/etc/hostname', join(folder, 'not.pdf')).catch(async () => (await import('node:fs/promises')).writeFile(join(folder, 'not.pdf'), 'hello'));
      await assert.rejects(new SigningSession(real, { level: 'B-B', hash: 'sha256' }, root).sign(join(folder, 'not.pdf'), join(folder, 'not-signed.pdf')));
      assert.deepEqual(await temps(folder), []);
    } finally {
      await real.close();
    }
  });
});
