// `paraphe sign` end to end: the CLI as a process, the test PKI, the openssl-backed TSA and OCSP
// responder, PDFs written by Ghostscript, qpdf and poppler. Every output is checked by qpdf
// --check, poppler's pdfsig (valid, last signature covers the whole file, earlier ones still
// valid) and openssl cms -verify on the extracted container.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, run } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import type { TestTsa } from '../fixtures/tsa';
import type { TestPdfs } from '../fixtures/pdfs';
import { P12_ENV, p12Args, paraphe, root, startSigningBed } from '../fixtures/signing-bed';
import type { SigningBed } from '../fixtures/signing-bed';
import { signWithPdfsig, verifyWithPdfsig } from '../fixtures/signed-by-poppler';
import { FORM_FIELDS, makeFormPdf } from '../fixtures/forms';
import { fileSource, inspectPdf, openPdf } from '../../main/pdf';
import { qpdfCheck } from '../fixtures/pdfs';


const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');


/** The last signature's /Contents (zero padding removed by DER length) and the bytes it covers. */
async function lastSignatureBytes(file: string): Promise<{ contents: Buffer; data: Buffer }> {
  const source = await fileSource(file);
  try {
    const reader = await openPdf(source);
    const fields = (await reader.fields()).filter((f) => f.signature && f.signature.byteRange);
    const last = fields.at(-1)?.signature;
    assert.ok(last?.byteRange, 'a signature with a /ByteRange');
    const bytes = await readFile(file);
    const [a = 0, b = 0, c = 0, d = 0] = last.byteRange as number[];
    const data = Buffer.concat([bytes.subarray(a, a + b), bytes.subarray(c, c + d)]);
    const padded = Buffer.from(bytes.subarray(a + b + 1, c - 1).toString('latin1'), 'hex');
    // DER: 0x30, then the length (short or long form); the rest is zero padding.
    const lengthByte = padded[1] ?? 0;
    const headerLength = lengthByte < 0x80 ? 2 : 2 + (lengthByte & 0x7f);
    const bodyLength = lengthByte < 0x80 ? lengthByte : padded.subarray(2, headerLength).reduce((n, byte) => n * 256 + byte, 0);
    return { contents: padded.subarray(0, headerLength + bodyLength), data };
  } finally {
    await source.close();
  }
}

/** The last signature's CMS and the bytes it covers, checked by openssl cms -verify. */
async function opensslVerifyLast(file: string, pki: TestPki, dir: string): Promise<string> {
  const { contents: der, data } = await lastSignatureBytes(file);
  const sigFile = join(dir, `sig-${Date.now()}.der`);
  const dataFile = join(dir, `data-${Date.now()}.bin`);
  await writeFile(sigFile, der);
  await writeFile(dataFile, data);
  const result = await run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', sigFile, '-content', dataFile, '-CAfile', pki.root.certPem, '-purpose', 'any', '-out', '/dev/null'], { allowFailure: true });
  assert.equal(result.code, 0, `openssl cms -verify:\n${result.output}`);
  const printed = await run('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', sigFile]);
  return printed.stdout.toString('utf8');
}

/** Every signature valid; the last one covers the whole file unless updates follow it (DSS at B-LT). */
async function assertAllValid(file: string, pki: TestPki, expected: number, lastCoversWholeFile = true): Promise<void> {
  const report = await verifyWithPdfsig(file, { pki });
  assert.equal(report.signatures.length, expected, report.output);
  for (const sig of report.signatures) assert.equal(sig.signatureValidation, 'Signature is Valid.', report.output);
  assert.equal(report.signatures.at(-1)?.totalDocumentSigned, lastCoversWholeFile, `whether the last signature covers the whole file:\n${report.output}`);
}

describe('paraphe sign', { timeout: 300_000 }, () => {
  let dir: string;
  let bed: SigningBed | undefined;
  let pki: TestPki;
  let tsa: TestTsa;
  let pdfs: TestPdfs;
  let popplerSigned: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-sign-'));
    bed = await startSigningBed(dir);
    ({ pki, tsa, pdfs } = bed);
    popplerSigned = join(dir, 'pdfs', 'signed-by-poppler.pdf');
    await signWithPdfsig(pdfs.simple, popplerSigned, pki);
  });

  after(async () => {
    await bed?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const p12 = () => p12Args(pki.p12.signer);

  for (const variant of ['simple', 'objectStreams', 'linearized', 'incremental', 'pdf20', 'popplerSigned'] as const) {
    it(`signs a PDF (${variant}) at B-B that qpdf, pdfsig and openssl accept, keeping earlier signatures valid`, async () => {
      const input = variant === 'popplerSigned' ? popplerSigned : pdfs[variant];
      const before = await sha256(input);
      const out = join(dir, `bb-${variant}.pdf`);
      const result = await paraphe(['sign', input, '-o', out, ...p12()], P12_ENV);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /signed .* -> .* \(B-B, field Signature\d\)/);
      assert.equal(await sha256(input), before, 'the input is never modified');
      await qpdfCheck(out);
      await assertAllValid(out, pki, variant === 'popplerSigned' ? 2 : 1);
      const printed = await opensslVerifyLast(out, pki, dir);
      assert.match(printed, /signingCertificateV2|id-smime-aa-signingCertificateV2/);
      assert.doesNotMatch(printed, /signingTime/);
    });
  }

  it('signs a form made by ReportLab and leaves its fields and values untouched', async () => {
    const form = await makeFormPdf(dir);
    const out = join(dir, 'form-signed.pdf');
    const result = await paraphe(['sign', form, '-o', out, ...p12()], P12_ENV);
    assert.equal(result.code, 0, result.stderr);
    await qpdfCheck(out);
    await assertAllValid(out, pki, 1);
    const source = await fileSource(out);
    try {
      const fields = await (await openPdf(source)).fields();
      const names = fields.map((f) => f.name).sort();
      assert.deepEqual(names, ['Signature1', 'agree', 'city', 'name']);
    } finally {
      await source.close();
    }
    const text = (await run('pdftotext', [out, '-'])).stdout.toString('utf8');
    assert.ok(text.includes('Form made by ReportLab'));
    const dump = (await run('qpdf', ['--qdf', '--object-streams=disable', out, '-'])).stdout.toString('latin1');
    assert.ok(dump.includes(`(${FORM_FIELDS.name})`) && dump.includes(`(${FORM_FIELDS.city})`), 'field values are still there');
  });

  it('adds a second signature by another signer and keeps both valid', async () => {
    const first = join(dir, 'two-1.pdf');
    const second = join(dir, 'two-2.pdf');
    assert.equal((await paraphe(['sign', pdfs.simple, '-o', first, ...p12()], P12_ENV)).code, 0);
    const result = await paraphe(['sign', first, '-o', second, ...p12Args(pki.p12.ecSigner), '--hash', 'sha384'], P12_ENV);
    assert.equal(result.code, 0, result.stderr);
    await qpdfCheck(second);
    await assertAllValid(second, pki, 2);
  });

  it('timestamps the signature at B-T with the TSA', async () => {
    const out = join(dir, 'bt.pdf');
    const requests = tsa.requests;
    const result = await paraphe(['sign', pdfs.simple, '-o', out, ...p12(), '--level', 'B-T', '--tsa', tsa.url, '--json'], P12_ENV);
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as { ok: boolean; level: string; timestampedAt: string | null };
    assert.equal(json.ok, true);
    assert.equal(json.level, 'B-T');
    assert.ok(json.timestampedAt, 'the time of the timestamp is reported');
    assert.ok(tsa.requests > requests);
    await qpdfCheck(out);
    await assertAllValid(out, pki, 1);
    const printed = await opensslVerifyLast(out, pki, dir);
    assert.match(printed, /1\.2\.840\.113549\.1\.9\.16\.2\.14|signatureTimeStampToken|id-smime-aa-timeStampToken/);
  });

  it('adds validation data at B-LT and a document timestamp at B-LTA', async () => {
    const lt = join(dir, 'blt.pdf');
    assert.equal((await paraphe(['sign', pdfs.simple, '-o', lt, ...p12(), '--level', 'B-LT', '--tsa', tsa.url], P12_ENV)).code, 0);
    await qpdfCheck(lt);
    await assertAllValid(lt, pki, 1, false);
    const source = await fileSource(lt);
    try {
      const reader = await openPdf(source);
      const catalog = await reader.catalog();
      assert.ok(catalog.get('DSS'), 'the catalog has a /DSS');
    } finally {
      await source.close();
    }
    const lta = join(dir, 'blta.pdf');
    assert.equal((await paraphe(['sign', pdfs.simple, '-o', lta, ...p12(), '--level', 'B-LTA', '--tsa', tsa.url], P12_ENV)).code, 0);
    await qpdfCheck(lta);
    const ltaSource = await fileSource(lta);
    const summary = await inspectPdf(ltaSource).finally(() => ltaSource.close());
    assert.equal(summary.docTimestampCount, 1);
    const report = await verifyWithPdfsig(lta, { pki });
    assert.equal(report.signatures.length, 2, 'the signature and the document timestamp');
    assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
    // poppler 22.12 lists document timestamps but cannot verify them ("Signature Type: unknown"):
    // openssl ts checks the token against the bytes it covers.
    assert.equal(report.signatures.at(-1)?.totalDocumentSigned, true, 'the document timestamp covers the whole file');
    const { contents, data } = await lastSignatureBytes(lta);
    const token = join(dir, 'doc-ts.tst');
    const covered = join(dir, 'doc-ts.data');
    await writeFile(token, contents);
    await writeFile(covered, data);
    const verified = await run('openssl', ['ts', '-verify', '-token_in', '-in', token, '-data', covered, '-CAfile', pki.root.certPem, '-untrusted', pki.chain.caChainPem], { allowFailure: true });
    assert.equal(verified.code, 0, verified.output);
    assert.match(verified.output, /Verification: OK/);
  });

  for (const variant of ['objectStreams', 'linearized', 'incremental', 'pdf20', 'popplerSigned'] as const) {
    it(`reaches B-LTA on a PDF (${variant}) with its earlier signatures still valid`, async () => {
      const input = variant === 'popplerSigned' ? popplerSigned : pdfs[variant];
      const out = join(dir, `blta-${variant}.pdf`);
      const result = await paraphe(['sign', input, '-o', out, ...p12(), '--level', 'B-LTA', '--tsa', tsa.url], P12_ENV);
      assert.equal(result.code, 0, result.stderr);
      await qpdfCheck(out);
      const report = await verifyWithPdfsig(out, { pki });
      const signatures = report.signatures.filter((sig) => sig.type !== 'unknown');
      assert.equal(signatures.length, variant === 'popplerSigned' ? 2 : 1, report.output);
      for (const sig of signatures) assert.equal(sig.signatureValidation, 'Signature is Valid.', report.output);
      const source = await fileSource(out);
      try {
        const summary = await inspectPdf(source);
        assert.equal(summary.docTimestampCount, 1);
        assert.equal(summary.revisionCount, (variant === 'incremental' ? 2 : variant === 'popplerSigned' ? 2 : 1) + 3, 'signature, DSS and document timestamp, each its own revision');
      } finally {
        await source.close();
      }
    });
  }

  it('draws a visible signature with the signer name, reason and an image', async () => {
    const out = join(dir, 'visible.pdf');
    const png = join(root, 'assets/icons/icon.png');
    const result = await paraphe(['sign', pdfs.simple, '-o', out, ...p12(), '--visible', '1,72,600,300,680', '--image', png, '--reason', 'Approbation', '--location', 'Lyon'], P12_ENV);
    assert.equal(result.code, 0, result.stderr);
    await qpdfCheck(out);
    await assertAllValid(out, pki, 1);
    const text = (await run('pdftotext', ['-f', '1', '-l', '1', out, '-'])).stdout.toString('utf8');
    assert.match(text, /Élodie/);
    assert.match(text, /Approbation/);
  });

  it('refuses to sign again a document certified with "no changes"', async () => {
    const certified = join(dir, 'certified.pdf');
    assert.equal((await paraphe(['sign', pdfs.simple, '-o', certified, ...p12(), '--certify', 'no-changes'], P12_ENV)).code, 0);
    await assertAllValid(certified, pki, 1);
    const again = join(dir, 'certified-again.pdf');
    const result = await paraphe(['sign', certified, '-o', again, ...p12()], P12_ENV);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no changes/);
    await assert.rejects(readFile(again));
  });

  it('signs a batch into a folder with one password and a line per file', async () => {
    const inputs = await mkdir(join(dir, 'batch-in'), { recursive: true }).then(async () => {
      const files: string[] = [];
      for (let i = 1; i <= 5; i += 1) {
        const f = join(dir, 'batch-in', `doc-${i}.pdf`);
        await copyFile(pdfs.simple, f);
        files.push(f);
      }
      return files;
    });
    const outDir = join(dir, 'batch-out');
    const result = await paraphe(['sign', ...inputs, '--out-dir', outDir, ...p12()], P12_ENV);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim().split('\n').length, 5);
    assert.match(result.stdout, /\[5\/5\] signed/);
    assert.deepEqual((await readdir(outDir)).sort(), ['doc-1.pdf', 'doc-2.pdf', 'doc-3.pdf', 'doc-4.pdf', 'doc-5.pdf']);
    await assertAllValid(join(outDir, 'doc-3.pdf'), pki, 1);
  });

  describe('failures leave no output and the input untouched', () => {
    async function expectFailure(args: string[], input: string, out: string, pattern: RegExp, code = 1, extraEnv: Readonly<Record<string, string>> = P12_ENV): Promise<void> {
      const before = await sha256(input).catch(() => null);
      const result = await paraphe(args, extraEnv);
      assert.equal(result.code, code, `exit code; stderr: ${result.stderr}`);
      assert.match(result.stderr, pattern);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      await assert.rejects(readFile(out), 'no output file');
      const leftovers = (await readdir(join(out, '..'))).filter((f) => f.includes('.paraphe-') && f.endsWith('.tmp'));
      assert.deepEqual(leftovers, [], 'no temp file left behind');
      if (before !== null) assert.equal(await sha256(input), before);
    }

    it('wrong password', async () => {
      const out = join(dir, 'fail-password.pdf');
      await expectFailure(['sign', pdfs.simple, '-o', out, '--p12', pki.p12.signer, '--password-env', 'WRONG'], pdfs.simple, out, /password/i, 1, { WRONG: 'not-the-password' });
    });

    it('expired certificate', async () => {
      const out = join(dir, 'fail-expired.pdf');
      await expectFailure(['sign', pdfs.simple, '-o', out, ...p12Args(pki.p12.expiredSigner)], pdfs.simple, out, /expired/i);
    });

    it('TSA unreachable at B-T', async () => {
      const out = join(dir, 'fail-tsa.pdf');
      const closed = `http://127.0.0.1:${await freePort()}/tsa`;
      await expectFailure(['sign', pdfs.simple, '-o', out, ...p12(), '--level', 'B-T', '--tsa', closed], pdfs.simple, out, /timestamp server.*cannot be reached|unreachable/i);
    });

    it('revoked signer at B-LT', async () => {
      const out = join(dir, 'fail-revoked.pdf');
      await expectFailure(['sign', pdfs.simple, '-o', out, ...p12Args(pki.p12.revokedSigner), '--level', 'B-LT', '--tsa', tsa.url], pdfs.simple, out, /revoked/i);
    });

    it('encrypted input without its password (sign-encrypted.test.ts signs them with it)', async () => {
      const out = join(dir, 'fail-encrypted.pdf');
      await expectFailure(['sign', pdfs.encrypted, '-o', out, ...p12()], pdfs.encrypted, out, /encrypted\.pdf is protected by a password: give it with --pdf-password-env VAR/);
    });

    it('a damaged input that already carries a signature (repairing it would break the signature)', async () => {
      const signedOnce = join(dir, 'damaged-base.pdf');
      assert.equal((await paraphe(['sign', pdfs.simple, '-o', signedOnce, ...p12()], P12_ENV)).code, 0);
      // Cut after the last object: no cross-reference table, no startxref, no %%EOF.
      const bytes = await readFile(signedOnce);
      const damaged = join(dir, 'damaged-signed.pdf');
      await writeFile(damaged, bytes.subarray(0, bytes.lastIndexOf('xref')));
      const out = join(dir, 'fail-damaged-signed.pdf');
      await expectFailure(['sign', damaged, '-o', out, ...p12()], damaged, out, /damaged-signed\.pdf is damaged and already carries signatures: repairing it would break them, so it is not signed\. The damage: damaged-signed\.pdf is truncated/);
    });

    it('read-only output folder', async (t) => {
      const ro = join(dir, 'read-only');
      await mkdir(ro, { recursive: true });
      // Root ignores permission bits: make the folder immutable instead (chattr +i).
      const asRoot = process.getuid?.() === 0;
      if (asRoot) {
        const immutable = await run('chattr', ['+i', ro], { allowFailure: true });
        if (immutable.code !== 0) {
          console.log(`SKIPPED read-only output folder: running as root and chattr +i failed (${immutable.output.trim()})`);
          t.skip('running as root and the folder cannot be made immutable');
          return;
        }
      } else {
        await chmod(ro, 0o555);
      }
      try {
        const out = join(ro, 'out.pdf');
        await expectFailure(['sign', pdfs.simple, '-o', out, ...p12()], pdfs.simple, out, /cannot be written/i);
      } finally {
        if (asRoot) await run('chattr', ['-i', ro], { allowFailure: true });
        else await chmod(ro, 0o755);
      }
    });

    it('two inputs that would land on the same output file', async () => {
      await mkdir(join(dir, 'same-a'), { recursive: true });
      await mkdir(join(dir, 'same-b'), { recursive: true });
      const a = join(dir, 'same-a', 'doc.pdf');
      const b = join(dir, 'same-b', 'doc.pdf');
      await copyFile(pdfs.simple, a);
      await copyFile(pdfs.simple, b);
      const outDir = join(dir, 'same-out');
      const result = await paraphe(['sign', a, b, '--out-dir', outDir, ...p12()], P12_ENV);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /would both be written to/);
      await assert.rejects(readdir(outDir), 'nothing was created');
    });

    it('says each failure in French with --lang fr or a French system, the same exit codes', async () => {
      const out = join(dir, 'fail-french.pdf');
      await expectFailure(['--lang', 'fr', 'sign', pdfs.encrypted, '-o', out, ...p12()], pdfs.encrypted, out, /^paraphe: .*protégé par un mot de passe : donnez-le avec --pdf-password-env/m);
      const unset = await paraphe(['sign', pdfs.simple, '-o', out, '--p12', pki.p12.signer, '--password-env', 'NOT_SET_ANYWHERE'], { LANG: 'fr_FR.UTF-8' });
      assert.equal(unset.code, 2);
      assert.match(unset.stderr, /la variable d’environnement NOT_SET_ANYWHERE \(--password-env\) n’est pas définie/);
      assert.doesNotMatch(unset.stderr, /environment variable|is not set/);
      // stdout is for scripts: its line stays English in a French session.
      const signedFr = await paraphe(['sign', pdfs.simple, '-o', join(dir, 'french-ok.pdf'), ...p12()], { ...P12_ENV, LANG: 'fr_FR.UTF-8' });
      assert.equal(signedFr.code, 0, signedFr.stderr);
      assert.match(signedFr.stdout, /^signed .* -> .*french-ok\.pdf \(B-B, field Signature\d\)$/m);
      const noTsa = await paraphe(['--lang', 'fr', 'sign', pdfs.simple, '-o', out, ...p12(), '--level', 'B-T'], P12_ENV);
      assert.equal(noTsa.code, 2);
      assert.match(noTsa.stderr, /--tsa/);
      assert.doesNotMatch(noTsa.stderr, /needs|give/);
      await assert.rejects(readFile(out), 'no output file');
    });

    it('usage errors exit with 2', async () => {
      const result = await paraphe(['sign', pdfs.simple, '--p12', pki.p12.signer]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /-o OUT\.pdf/);
      const level = await paraphe(['sign', pdfs.simple, '-o', join(dir, 'x.pdf'), ...p12(), '--level', 'B-T'], P12_ENV);
      assert.equal(level.code, 2);
      assert.match(level.stderr, /--tsa/);
    });
  });
});
