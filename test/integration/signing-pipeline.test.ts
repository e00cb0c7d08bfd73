// The signing pipeline of issue 10: its stages alone (prepare -> finish -> extend), one signMany
// for a batch, the evidence sink's facts, and a new backend — a test-only identity provider
// (test/fixtures/test-provider.ts) — signing through the CLI and the app's services without any
// production file knowing it.
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, sign as rawSign } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../main/cli';
import { createServices } from '../../main/services';
import type { Services } from '../../main/services';
import { extend, finish, prepare, placeholderSize, SigningSession } from '../../main/services/signing';
import type { EvidenceFact, OpenedInput } from '../../main/services/signing';
import { TempOutput, memoryBytes } from '../../main/services/signed-output';
import { fileSource } from '../../main/pdf';
import { openPkcs12Signer } from '../../main/signers';
import { channels } from '../../preload/contract/schemas';
import { qpdfCheck } from '../fixtures/pdfs';
import { missingTools } from '../fixtures/pki';
import { verifyWithPdfsig } from '../fixtures/signed-by-poppler';
import { createPkiAndPdfs, root } from '../fixtures/signing-bed';
import type { PkiAndPdfs } from '../fixtures/signing-bed';
import { testOtpProvider, testProvider } from '../fixtures/test-provider';
import { errorCode } from '../unit/helpers/errors';

const missing = missingTools('openssl', 'qpdf', 'pdfsig', 'gs');
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : false;
const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');
const ACCOUNT_SECRET = 'kms-account-secret-4711';

async function assertSound(file: string, bed: PkiAndPdfs, signatures = 1): Promise<void> {
  await qpdfCheck(file);
  const report = await verifyWithPdfsig(file, { pki: bed.pki });
  assert.equal(report.signatures.length, signatures, report.output);
  for (const s of report.signatures) assert.equal(s.signatureValidation, 'Signature is Valid.', report.output);
}

describe('the signing pipeline: stages, ports, a new backend', { skip, timeout: 240_000 }, () => {
  let dir = '';
  let bed: PkiAndPdfs;

  before(async () => {
    if (skip) return;
    dir = await mkdtemp(join(tmpdir(), 'paraphe-pipeline-'));
    bed = await createPkiAndPdfs(dir);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs each stage alone: prepare gives the digest to sign, a key outside Paraphe signs it, finish and extend complete the file', async () => {
    const signer = await openPkcs12Signer(bed.pki.p12.signer, bed.pki.password);
    const bytes = new Uint8Array(await readFile(bed.pdfs.simple));
    const source = await fileSource(bed.pdfs.simple);
    const output = join(dir, 'stages.pdf');
    const temp = await TempOutput.create(output);
    try {
      const input: OpenedInput = { path: bed.pdfs.simple, name: 'simple.pdf', source, bytes: memoryBytes(bytes) };
      const prepared = await prepare(input, temp, signer, { hash: 'sha256', contentsBytes: await placeholderSize(signer, 'sha256'), signingTime: new Date() });
      // The byte ranges cover the whole file but /Contents, and the digest is theirs.
      const [a, b, c, d] = prepared.byteRange;
      assert.equal(a, 0);
      assert.equal(c + d, temp.size());
      assert.equal(b + prepared.contentsHexLength + 2, c, 'the gap is exactly <hex>');
      const written = await readFile(temp.path);
      const ranges = Buffer.concat([written.subarray(a, a + b), written.subarray(c, c + d)]);
      assert.deepEqual(Buffer.from(prepared.contentDigest), createHash('sha256').update(ranges).digest());
      // What is signed is the hash of the DER signed attributes.
      assert.deepEqual(Buffer.from(prepared.request.digest), createHash('sha256').update(prepared.signedAttributes).digest());
      // The key is used outside the pipeline: the signature value comes back as bytes only.
      const keyPem = (await readFile(bed.pki.signer.keyPem, 'utf8'));
      const signature = new Uint8Array(rawSign('sha256', prepared.signedAttributes, createPrivateKey(keyPem)));
      // A signature made with another key is refused by finish (nothing would verify).
      const other = new Uint8Array(signature);
      other[10] = (other[10] ?? 0) ^ 0xff;
      assert.equal(await errorCode(finish(prepared, other)), 'signature-mismatch');
      const finished = await finish(prepared, signature);
      assert.equal(finished.timestampedAt, null);
      await extend(temp, { cms: finished.cms, contentsBytes: prepared.contentsHexLength / 2, document: 'simple.pdf', signer }, 'B-B', { hash: 'sha256' });
      await temp.commit();
    } finally {
      await source.close();
      await signer.close();
    }
    await assertSound(output, bed);
    // B-LT without a source of validation data is refused, not silently downgraded.
    const temp2 = await TempOutput.create(join(dir, 'never.pdf'));
    const second = await openPkcs12Signer(bed.pki.p12.signer, bed.pki.password);
    try {
      assert.equal(await errorCode(extend(temp2, { cms: new Uint8Array(0), contentsBytes: 0, document: 'x', signer: second }, 'B-LT', { hash: 'sha256' })), 'validation-data-required');
    } finally {
      await temp2.discard();
      await second.close();
    }
  });

  it('a batch of 6 documents is one signMany call of 6 digests, and the evidence sink sees every stage and no secret', async () => {
    const provider = await testProvider(bed.pki.p12.signer, bed.pki.password, ACCOUNT_SECRET);
    const [identity] = await provider.list();
    assert.ok(identity);
    const signer = await provider.open(identity, { ask: async () => ACCOUNT_SECRET });
    const facts: EvidenceFact[] = [];
    const folder = join(dir, 'batch');
    await mkdir(join(folder, 'out'), { recursive: true });
    const items = [];
    for (let i = 0; i < 6; i++) {
      const input = join(folder, `doc-${i}.pdf`);
      await copyFile(i % 2 === 0 ? bed.pdfs.simple : bed.pdfs.objectStreams, input);
      items.push({ input, output: join(folder, 'out', `doc-${i}.pdf`) });
    }
    // One of them is not a PDF: it fails alone, before signing, and the others go on.
    const broken = join(folder, 'broken.pdf');
    await copyFile(bed.pki.signer.certPem, broken);
    items.push({ input: broken, output: join(folder, 'out', 'broken.pdf') });
    const session = new SigningSession(signer, { level: 'B-B', hash: 'sha256' }, root, { evidence: { record: (fact) => void facts.push(fact) } });
    const outcomes = await session.signBatch(items);
    await signer.close();
    assert.deepEqual(provider.signManyCalls, [6], 'one call, six digests');
    assert.equal(provider.singleSigns, 0);
    assert.deepEqual(outcomes.map((o) => o.ok), [true, true, true, true, true, true, false]);
    const failure = outcomes[6];
    assert.ok(failure && !failure.ok);
    assert.equal((failure.error as { code?: string }).code, 'not-pdf');
    assert.deepEqual((await readdir(join(folder, 'out'))).sort(), items.slice(0, 6).map((_, i) => `doc-${i}.pdf`), 'no output and no temp file for the failed one');
    for (const item of items.slice(0, 6)) await assertSound(item.output, bed);
    // The facts: one identity, then per document input -> prepared -> signed -> output; the failed one 'failed'.
    assert.equal(facts.filter((f) => f.stage === 'identity').length, 1);
    for (const [i, item] of items.slice(0, 6).entries()) {
      const name = `doc-${i}.pdf`;
      const mine = facts.filter((f) => 'document' in f && f.document === name).map((f) => f.stage);
      assert.deepEqual(mine, ['input', 'prepared', 'signed', 'output'], name);
      const input = facts.find((f) => f.stage === 'input' && f.document === name);
      assert.equal(input?.stage === 'input' && input.sha256, await sha256(item.input), 'the hash before');
      const out = facts.find((f) => f.stage === 'output' && f.document === name);
      assert.equal(out?.stage === 'output' && out.sha256, await sha256(item.output), 'the hash after');
    }
    assert.ok(facts.some((f) => f.stage === 'failed' && f.code === 'not-pdf'));
    const all = JSON.stringify(facts);
    assert.ok(!all.includes(ACCOUNT_SECRET) && !all.includes(bed.pki.password), 'no secret in the evidence');
    assert.ok(!all.includes('PRIVATE KEY'));
  });

  it('the evidence has the SHA-256 of each input whatever the signature hashes with (one pass for SHA-256, a second hash for SHA-384)', async () => {
    const signer = await openPkcs12Signer(bed.pki.p12.signer, bed.pki.password);
    const folder = join(dir, 'digests');
    await mkdir(join(folder, 'out'), { recursive: true });
    try {
      for (const hash of ['sha256', 'sha384'] as const) {
        const input = join(folder, `${hash}.pdf`);
        await copyFile(bed.pdfs.objectStreams, input);
        const facts: EvidenceFact[] = [];
        const output = join(folder, 'out', `${hash}.pdf`);
        const [outcome] = await new SigningSession(signer, { level: 'B-B', hash }, root, { evidence: { record: (fact) => void facts.push(fact) } }).signBatch([{ input, output }]);
        assert.ok(outcome?.ok, hash);
        const fact = facts.find((f) => f.stage === 'input');
        assert.equal(fact?.stage === 'input' && fact.sha256, await sha256(input), `${hash}: the SHA-256 of the input`);
        const prepared = facts.find((f) => f.stage === 'prepared');
        assert.equal(prepared?.stage === 'prepared' && prepared.hash, hash);
        await assertSound(output, bed);
      }
    } finally {
      await signer.close();
    }
  });

  it('a cancelled batch leaves no temp file and no open input behind; what was committed is whole', async () => {
    const signer = await openPkcs12Signer(bed.pki.p12.signer, bed.pki.password);
    const folder = join(dir, 'cancel');
    await mkdir(join(folder, 'out'), { recursive: true });
    const items = [];
    for (let i = 0; i < 8; i++) {
      const input = join(folder, `doc-${i}.pdf`);
      await copyFile(bed.pdfs.objectStreams, input);
      items.push({ input, output: join(folder, 'out', `doc-${i}.pdf`) });
    }
    try {
      // Already cancelled: nothing is opened or written.
      const none = await new SigningSession(signer, { level: 'B-B', hash: 'sha256' }, root).signBatch(items, { signal: AbortSignal.abort() });
      assert.deepEqual(none.map((o) => !o.ok && (o.error as { code?: string }).code), new Array(8).fill('cancelled'));
      assert.deepEqual(await readdir(join(folder, 'out')), []);
      // Cancelled while the first documents are being prepared.
      const controller = new AbortController();
      const evidence = { record: (fact: EvidenceFact) => { if (fact.stage === 'prepared') controller.abort(); } };
      const outcomes = await new SigningSession(signer, { level: 'B-B', hash: 'sha256' }, root, { evidence }).signBatch(items, { signal: controller.signal });
      assert.ok(outcomes.some((o) => !o.ok && (o.error as { code?: string }).code === 'cancelled'), 'cancelled');
      const left = await readdir(join(folder, 'out'));
      assert.deepEqual(left.filter((f) => f.endsWith('.tmp')), [], 'no temp file once signBatch returned');
      for (const [i, outcome] of outcomes.entries()) {
        if (outcome.ok) await assertSound(items[i]?.output ?? '', bed);
        else assert.ok(!left.includes(`doc-${i}.pdf`), `doc-${i}: no output for a cancelled document`);
      }
    } finally {
      await signer.close();
    }
  });

  it('a failing evidence sink fails only the document whose fact it refused', async () => {
    const signer = await openPkcs12Signer(bed.pki.p12.signer, bed.pki.password);
    const folder = join(dir, 'sink');
    await mkdir(join(folder, 'out'), { recursive: true });
    const items = [];
    for (let i = 0; i < 5; i++) {
      const input = join(folder, `doc-${i}.pdf`);
      await copyFile(bed.pdfs.simple, input);
      items.push({ input, output: join(folder, 'out', `doc-${i}.pdf`) });
    }
    const broken = join(folder, 'broken.pdf');
    await copyFile(bed.pki.signer.certPem, broken);
    items.splice(2, 0, { input: broken, output: join(folder, 'out', 'broken.pdf') });
    // The sink refuses the 'failed' fact of the broken document.
    const evidence = { record: (fact: EvidenceFact) => { if (fact.stage === 'failed') throw new Error('sink down'); } };
    try {
      const outcomes = await new SigningSession(signer, { level: 'B-B', hash: 'sha256' }, root, { evidence }).signBatch(items);
      assert.deepEqual(outcomes.map((o) => (o.ok ? 'ok' : (o.error as { code?: string }).code)), ['ok', 'ok', 'not-pdf', 'ok', 'ok', 'ok']);
      for (const [i, item] of items.entries()) if (i !== 2) await assertSound(item.output, bed);
    } finally {
      await signer.close();
    }
  });

  it('the test-only provider signs through the CLI: --identity ID, its secret from --secret-env, one signMany for a batch', async () => {
    const provider = await testProvider(bed.pki.p12.signer, bed.pki.password, ACCOUNT_SECRET);
    const folder = join(dir, 'cli');
    await mkdir(folder);
    const inputs = [join(folder, 'a.pdf'), join(folder, 'b.pdf')];
    for (const input of inputs) await copyFile(bed.pdfs.simple, input);
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) };
    process.env.PARAPHE_TEST_KMS = ACCOUNT_SECRET;
    try {
      const code = await main(['sign', ...inputs, '--out-dir', join(folder, 'out'), '--identity', provider.identityId, '--secret-env', 'PARAPHE_TEST_KMS', '--json'], io, { providers: [provider] });
      assert.equal(code, 0, err.join(''));
      // A wrong secret: exit 1, said in words, nothing written.
      process.env.PARAPHE_TEST_KMS = 'not-it';
      const wrong = await main(['sign', inputs[0] ?? '', '-o', join(folder, 'wrong.pdf'), '--identity', provider.identityId, '--secret-env', 'PARAPHE_TEST_KMS'], io, { providers: [provider] });
      assert.equal(wrong, 1);
      assert.match(err.join(''), /The test KMS refused the account secret/);
      assert.ok(!err.join('').includes('not-it'), 'the secret is not echoed');
      // Without the provider registered, the id is unknown: said so, exit 1.
      const unknown = await main(['sign', inputs[0] ?? '', '-o', join(folder, 'unknown.pdf'), '--identity', provider.identityId, '--secret-env', 'PARAPHE_TEST_KMS'], io);
      assert.equal(unknown, 1);
      assert.match(err.join(''), /This signing identity no longer exists/);
    } finally {
      delete process.env.PARAPHE_TEST_KMS;
    }
    const results = JSON.parse(out.join('')) as { ok: boolean; output: string }[];
    assert.deepEqual(results.map((r) => r.ok), [true, true]);
    for (const r of results) await assertSound(r.output, bed);
    assert.equal(provider.asks, 2, 'asked once per command that opened it (the batch, the wrong secret)');
    assert.deepEqual(provider.signManyCalls, [2], 'the two documents went in one signMany (one authorization)');
    assert.deepEqual((await readdir(folder)).sort(), ['a.pdf', 'b.pdf', 'out']);
  });

  it('a backend that asks one-time passwords while signing: one per batch from --otp-command; none to be had is a usage error (exit 2)', async () => {
    const provider = await testProvider(bed.pki.p12.signer, bed.pki.password, ACCOUNT_SECRET);
    // Like a CSC service: the key is opened without a secret, each signMany is authorized by an OTP.
    const otpProvider = await testOtpProvider(provider, ACCOUNT_SECRET);
    const folder = join(dir, 'cli-otp');
    await mkdir(folder);
    const inputs = [join(folder, 'a.pdf'), join(folder, 'b.pdf'), join(folder, 'c.pdf')];
    for (const input of inputs) await copyFile(bed.pdfs.simple, input);
    const id = otpProvider.identityId;
    const err: string[] = [];
    const io = { out: () => undefined, err: (text: string) => void err.push(text) };
    const code = await main(['sign', ...inputs, '--out-dir', join(folder, 'out'), '--identity', id, '--otp-command', 'echo "13579-$PARAPHE_OTP_DOCUMENTS"'], io, { providers: [provider, otpProvider] });
    assert.equal(code, 0, err.join(''));
    assert.deepEqual(otpProvider.otps, ['13579-3'], 'one one-time password for the three documents');
    for (const input of inputs) await assertSound(join(folder, 'out', basename(input)), bed);
    // No --otp-command, no --secret-env and no terminal: the usage error, exit 2, nothing written.
    err.length = 0;
    const none = await main(['sign', inputs[0] ?? '', '-o', join(folder, 'none.pdf'), '--identity', id], io, { providers: [provider, otpProvider] });
    assert.equal(none, 2, err.join(''));
    assert.match(err.join(''), /no one-time password: give --secret-env VAR, or run in a terminal to be asked/);
    assert.ok(!(await readdir(folder)).includes('none.pdf'));
  });

  it('the test-only provider signs through the app: listed, accepted by the contract, its secret from the sign panel', async () => {
    const provider = await testProvider(bed.pki.p12.signer, bed.pki.password, ACCOUNT_SECRET);
    const folder = join(dir, 'app');
    await mkdir(folder);
    const input = join(folder, 'lease.pdf');
    await copyFile(bed.pdfs.simple, input);
    const saveAnswers = [join(folder, 'lease-signed.pdf')];
    let saveDialogs = 0;
    const services: Services = createServices({
      userDataDir: join(folder, 'profile'),
      appRoot: root,
      env: { appName: 'Paraphe', version: 'test', platform: process.platform, systemLocale: 'en-US' },
      dialogs: { chooseDocument: async () => null, chooseCertificateFile: async () => null, chooseModuleFile: async () => null, chooseSavePath: async () => {
        saveDialogs += 1;
        return saveAnswers.shift() ?? null;
      } },
      // A second kind whose identity needs no password from the sign panel.
      providers: [provider, {
        kind: 'testquiet',
        list: async () => (await provider.list()).map((i) => ({ ...i, id: i.id.replace('testkms-', 'testquiet-'), kind: 'testquiet', needsPassword: false })),
        open: async () => assert.fail('a refused request opens no signer'),
      }],
    });
    try {
      const listed = channels['identity:list'].response.parse(await services.identities.list());
      const mine = listed.find((i) => i.id === provider.identityId);
      assert.equal(mine?.kind, 'testkms');
      const doc = await services.documents.openPath(input);
      const request = channels['document:sign'].request.parse({ docId: doc.docId, identityId: provider.identityId, password: ACCOUNT_SECRET, placement: { kind: 'visible', page: 1, rect: [60, 60, 300, 130] }, level: 'B-B' });
      // Without the secret the provider says so; nothing is asked of the save dialog.
      assert.equal(await errorCode(services.signing.sign({ ...request, password: undefined })), 'password-required');
      assert.equal(saveAnswers.length, 1);
      assert.equal(saveDialogs, 0);
      const signed = await services.signing.sign(request);
      assert.equal(signed?.document.signatureCount, 1);
      await assertSound(join(folder, 'lease-signed.pdf'), bed);
      // A secret for an identity that asks for none is refused by main, never handed on.
      const quiet = await services.identities.list().then((all) => all.find((i) => i.kind === 'testquiet'));
      assert.ok(quiet);
      assert.equal(await errorCode(services.signing.sign({ ...request, identityId: quiet.id })), 'password-not-expected');
      assert.equal(saveAnswers.length, 0, 'no save dialog for a refused request');
      assert.equal(saveDialogs, 1, 'the one save dialog was the signature\'s: none for the refused request');
      await services.documents.close(doc.docId);
    } finally {
      await services.dispose();
    }
  });
});
