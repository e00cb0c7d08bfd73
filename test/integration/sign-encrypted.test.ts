// `paraphe sign` on password-protected PDFs (issue 11, part 3), end to end: qpdf encrypts the test
// PDF here with each handler (RC4-40 R2, RC4-128 R3, AES-128 R4, AES-256 R6, and an owner password
// only), paraphe signs it with the user and with the owner password, and third parties judge the
// output: it stays encrypted with the same handler (qpdf --show-encryption), qpdf --check and
// poppler's pdfsig (-upw) accept it, a second signature keeps the first valid, a visible one
// renders (pdftoppm -upw), B-LT/B-LTA add encrypted validation data. Wrong, missing or unusable
// passwords are refused in words, with the input untouched and no output.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PdfDict, fileSource, openPdf } from '../../main/pdf';
import { qpdfCheck } from '../fixtures/pdfs';
import type { TestPdfs } from '../fixtures/pdfs';
import { PKCS12_PASSWORD, run } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import { P12_ENV, cli, p12Args, paraphe, startSigningBed } from '../fixtures/signing-bed';
import type { SigningBed } from '../fixtures/signing-bed';
import { verifyWithPdfsig } from '../fixtures/signed-by-poppler';
import type { TestTsa } from '../fixtures/tsa';
import { TestPdfWriter } from '../unit/helpers/pdf-build';

const USER = 'Fiche de paie 2026';
const OWNER = 'rh-owner';
/** The passwords as env vars: sign with --pdf-password-env DOC_USER or DOC_OWNER. */
const ENV = { ...P12_ENV, DOC_USER: USER, DOC_OWNER: OWNER, DOC_WRONG: 'not-the-password' };

const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

/** qpdf's flags and what --show-encryption then says of each handler. */
const HANDLERS = [
  { name: 'rc4-40', label: 'RC4-40 (R2)', r: 2, method: null, args: ['--allow-weak-crypto', '--encrypt', USER, OWNER, '40', '--'] },
  { name: 'rc4-128', label: 'RC4-128 (R3)', r: 3, method: null, args: ['--allow-weak-crypto', '--encrypt', USER, OWNER, '128', '--use-aes=n', '--'] },
  { name: 'aes-128', label: 'AES-128 (R4)', r: 4, method: 'AESv2', args: ['--encrypt', USER, OWNER, '128', '--use-aes=y', '--'] },
  { name: 'aes-256', label: 'AES-256 (R6)', r: 6, method: 'AESv3', args: ['--encrypt', USER, OWNER, '256', '--'] },
] as const;

/** What qpdf says of a file's encryption, opened with `password`: R, P and the methods. */
async function encryptionOf(file: string, password: string): Promise<string> {
  const result = await run('qpdf', ['--show-encryption', `--password=${password}`, file], { allowFailure: true });
  assert.equal(result.code, 0, result.output);
  return result.stdout.toString('utf8').split('\n').filter((line) => /^(R|P) = |encryption method/.test(line)).join('\n');
}

/** Every signature valid for poppler (opened with the user password by default); the last covers the whole file. */
async function assertAllValid(file: string, pki: TestPki, expected: number, password: string | null = USER): Promise<void> {
  const report = await verifyWithPdfsig(file, { pki, password: password ?? undefined });
  const signatures = report.signatures.filter((sig) => sig.type !== 'unknown');
  assert.equal(signatures.length, expected, report.output);
  for (const sig of signatures) assert.equal(sig.signatureValidation, 'Signature is Valid.', report.output);
  assert.equal(report.signatures.at(-1)?.totalDocumentSigned, true, report.output);
}

describe('paraphe sign on encrypted PDFs', { timeout: 600_000 }, () => {
  let dir: string;
  let bed: SigningBed | undefined;
  let pki: TestPki;
  let tsa: TestTsa;
  let pdfs: TestPdfs;
  const encrypted = new Map<string, string>();
  let ownerOnly: string;
  let noSigning: string;
  let pubSec: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-sign-encrypted-'));
    bed = await startSigningBed(dir);
    ({ pki, tsa, pdfs } = bed);
    for (const handler of HANDLERS) {
      const file = join(dir, `${handler.name}.pdf`);
      await run('qpdf', [...handler.args, pdfs.simple, file]);
      encrypted.set(handler.name, file);
    }
    const objectStreams = join(dir, 'aes-256-object-streams.pdf');
    await run('qpdf', ['--object-streams=generate', ...HANDLERS[3].args, pdfs.simple, objectStreams]);
    encrypted.set('aes-256-object-streams', objectStreams);
    ownerOnly = join(dir, 'owner-only.pdf');
    await run('qpdf', ['--encrypt', '', OWNER, '256', '--', pdfs.simple, ownerOnly]);
    noSigning = join(dir, 'no-changes-allowed.pdf');
    await run('qpdf', ['--encrypt', USER, OWNER, '256', '--modify=none', '--', pdfs.simple, noSigning]);
    // Certificate (public-key) security, which qpdf does not write: a hand-made dictionary.
    const w = TestPdfWriter.start();
    w.object(1, '<< /Type /Catalog /Pages 2 0 R >>');
    w.object(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
    w.object(3, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>');
    w.object(4, '<< /Filter /Adobe.PubSec /SubFilter /adbe.pkcs7.s5 /V 4 /CF << /DefaultCryptFilter << /CFM /AESV2 /Recipients [<3082>] >> >> /StmF /DefaultCryptFilter /StrF /DefaultCryptFilter >>');
    w.xrefTable('/Root 1 0 R /Encrypt 4 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]');
    pubSec = join(dir, 'certificate-security.pdf');
    await writeFile(pubSec, w.bytes());
  });

  after(async () => {
    await bed?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const p12 = () => p12Args(pki.p12.signer);
  const input = (name: string) => encrypted.get(name) as string;

  for (const handler of HANDLERS) {
    for (const [who, variable] of [['user', 'DOC_USER'], ['owner', 'DOC_OWNER']] as const) {
      it(`signs ${handler.label} with the ${who} password and keeps it encrypted with the same handler`, async () => {
        const source = input(handler.name);
        const before = await sha256(source);
        const out = join(dir, `${handler.name}-${who}.pdf`);
        const result = await paraphe(['sign', source, '-o', out, ...p12(), '--pdf-password-env', variable, '--reason', 'Reçu', '--location', 'Paris'], ENV);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(await sha256(source), before, 'the input is never modified');
        const shown = await encryptionOf(out, USER);
        assert.equal(shown, await encryptionOf(source, USER), 'the same handler, permissions and methods');
        assert.match(shown, new RegExp(`^R = ${handler.r}$`, 'm'));
        if (handler.method) assert.match(shown, new RegExp(`^stream encryption method: ${handler.method}$`, 'm'));
        await qpdfCheck(out, USER);
        await qpdfCheck(out, OWNER);
        await assertAllValid(out, pki, 1);
        // Without the password nothing of the update reads: its texts are encrypted.
        const update = (await readFile(out)).subarray((await stat(source)).size).toString('latin1');
        for (const clear of ['Paris', 'Signature1', 'D:20']) assert.ok(!update.includes(clear), `"${clear}" is encrypted`);
        // paraphe verify reads it with the password.
        const verified = await paraphe(['verify', out, '--json', '--trust', pki.root.certPem, '--no-system-trust', '--pdf-password-env', 'DOC_USER'], ENV);
        const report = JSON.parse(verified.stdout) as { signatures: { intact: boolean; signatureValid: boolean; signedAt: string | null; field: string }[] };
        assert.equal(report.signatures.length, 1, verified.stderr);
        assert.equal(report.signatures[0]?.intact, true);
        assert.equal(report.signatures[0]?.signatureValid, true);
        assert.equal(report.signatures[0]?.field, 'Signature1');
        assert.ok(report.signatures[0]?.signedAt, 'the encrypted /M is read');
      });
    }
  }

  it('signs a file with object streams and a cross-reference stream (AES-256), whose update is an xref stream in clear', async () => {
    const out = join(dir, 'objstm-signed.pdf');
    const result = await paraphe(['sign', input('aes-256-object-streams'), '-o', out, ...p12(), '--pdf-password-env', 'DOC_USER'], ENV);
    assert.equal(result.code, 0, result.stderr);
    await qpdfCheck(out, USER);
    await assertAllValid(out, pki, 1);
    const source = await fileSource(out);
    try {
      assert.equal((await openPdf(source, { password: USER })).sections[0]?.kind, 'stream');
    } finally {
      await source.close();
    }
  });

  it('adds a second signature that keeps the first valid, with the other password', async () => {
    for (const name of ['rc4-128', 'aes-256']) {
      const first = join(dir, `${name}-first.pdf`);
      const second = join(dir, `${name}-second.pdf`);
      assert.equal((await paraphe(['sign', input(name), '-o', first, ...p12(), '--pdf-password-env', 'DOC_USER'], ENV)).code, 0);
      const result = await paraphe(['sign', first, '-o', second, ...p12Args(pki.p12.ecSigner), '--hash', 'sha384', '--pdf-password-env', 'DOC_OWNER'], ENV);
      assert.equal(result.code, 0, result.stderr);
      await qpdfCheck(second, USER);
      await assertAllValid(second, pki, 2);
    }
  });

  it('draws a visible signature that poppler renders and extracts with the password', async () => {
    const out = join(dir, 'visible.pdf');
    const result = await paraphe(['sign', input('aes-128'), '-o', out, ...p12(), '--pdf-password-env', 'DOC_USER', '--visible', '1,72,600,300,680', '--reason', 'Approbation'], ENV);
    assert.equal(result.code, 0, result.stderr);
    await qpdfCheck(out, USER);
    await assertAllValid(out, pki, 1);
    const text = (await run('pdftotext', ['-upw', USER, '-f', '1', '-l', '1', out, '-'])).stdout.toString('utf8');
    assert.match(text, /Élodie/);
    assert.match(text, /Approbation/);
    // The signature's rectangle, rendered at 72 dpi: not blank (the signer's name is drawn there).
    const png = join(dir, 'visible-page');
    const rendered = await run('pdftoppm', ['-upw', USER, '-f', '1', '-l', '1', '-r', '72', '-gray', '-x', '72', '-y', String(842 - 680), '-W', '228', '-H', '80', out, png], { allowFailure: true });
    assert.equal(rendered.code, 0, rendered.output);
    const pgm = await readFile(`${png}-1.pgm`);
    const pixels = pgm.subarray(pgm.length - 228 * 80);
    assert.ok(pixels.some((p) => p < 128), 'dark pixels inside the signature rectangle');
  });

  it('reaches B-LT and B-LTA: validation data and the document timestamp are encrypted too', async () => {
    for (const name of ['rc4-40', 'aes-256']) {
      const out = join(dir, `${name}-blta.pdf`);
      const result = await paraphe(['sign', input(name), '-o', out, ...p12(), '--pdf-password-env', 'DOC_USER', '--level', 'B-LTA', '--tsa', tsa.url], ENV);
      assert.equal(result.code, 0, result.stderr);
      await qpdfCheck(out, USER);
      const report = await verifyWithPdfsig(out, { pki, password: USER });
      assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
      assert.equal(report.signatures.at(-1)?.totalDocumentSigned, true, 'the document timestamp covers the whole file');
      const source = await fileSource(out);
      try {
        const reader = await openPdf(source, { password: USER });
        const dss = await reader.resolve((await reader.catalog()).get('DSS'));
        assert.ok(dss instanceof PdfDict, 'a /DSS');
        assert.equal(reader.revisions.length, 4, 'the original, the signature, the DSS, the document timestamp');
      } finally {
        await source.close();
      }
      const verified = await paraphe(['verify', out, '--json', '--trust', pki.root.certPem, '--no-system-trust', '--pdf-password-env', 'DOC_USER'], ENV);
      const json = JSON.parse(verified.stdout) as { signatures: { kind: string; level: string; intact: boolean }[] };
      assert.deepEqual(json.signatures.map((s) => [s.kind, s.intact]), [['approval', true], ['doc-timestamp', true]]);
      assert.equal(json.signatures[0]?.level, 'B-LTA');
    }
  });

  it('signs a file that opens without a password (owner password only), with or without the owner password', async () => {
    for (const extra of [[], ['--pdf-password-env', 'DOC_OWNER']]) {
      const out = join(dir, `owner-only-${extra.length}.pdf`);
      const result = await paraphe(['sign', ownerOnly, '-o', out, ...p12(), ...extra], ENV);
      assert.equal(result.code, 0, result.stderr);
      await qpdfCheck(out);
      assert.match(await encryptionOf(out, ''), /^R = 6$/m);
      await assertAllValid(out, pki, 1, null);
    }
  });

  it('tells paraphe info the password: pages and signatures of an encrypted file', async () => {
    const out = join(dir, 'aes-256-object-streams-signed.pdf');
    assert.equal((await paraphe(['sign', input('aes-256-object-streams'), '-o', out, ...p12(), '--pdf-password-env', 'DOC_USER'], ENV)).code, 0);
    // Its page tree is in an encrypted object stream: unknown without the password.
    const without = JSON.parse((await paraphe(['info', out, '--json'])).stdout) as { pageCount: number | null };
    assert.equal(without.pageCount, null);
    const info = JSON.parse((await paraphe(['info', out, '--json', '--pdf-password-env', 'DOC_USER'], ENV)).stdout) as { pageCount: number; signed: boolean; signatureCount: number; encryption: { opensWithoutPassword: boolean } };
    assert.deepEqual([info.pageCount, info.signed, info.signatureCount], [2, true, 1]);
    assert.equal(info.encryption.opensWithoutPassword, false, 'a password is still needed to open it');
    const wrong = await paraphe(['info', out, '--pdf-password-env', 'DOC_WRONG'], ENV);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /does not open .*aes-256-object-streams-signed\.pdf/);
  });

  describe('refusals: the input untouched, no output, the reason in words', () => {
    async function expectFailure(args: string[], source: string, out: string, code: number, pattern: RegExp, jsonCode?: string): Promise<void> {
      const before = await sha256(source);
      const result = await paraphe([...args, ...(jsonCode ? ['--json'] : [])], ENV);
      assert.equal(result.code, code, result.stderr);
      assert.match(result.stderr, pattern);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      assert.ok(!result.stderr.includes(USER) && !result.stdout.includes(USER), 'the password is never printed');
      if (jsonCode) assert.equal((JSON.parse(result.stdout) as { error: { code: string } }).error.code, jsonCode);
      await assert.rejects(stat(out), 'no output file');
      assert.deepEqual((await readdir(dir)).filter((f) => f.includes('.paraphe-') && f.endsWith('.tmp')), [], 'no temp file left');
      assert.equal(await sha256(source), before);
    }

    it('a wrong password', async () => {
      const out = join(dir, 'wrong.pdf');
      await expectFailure(['sign', input('aes-256'), '-o', out, ...p12(), '--pdf-password-env', 'DOC_WRONG'], input('aes-256'), out, 1,
        /^paraphe: .*aes-256\.pdf: The password given does not open aes-256\.pdf: it is neither its user password nor its owner password$/m, 'bad-password');
      await expectFailure(['--lang', 'fr', 'sign', input('rc4-40'), '-o', out, ...p12(), '--pdf-password-env', 'DOC_WRONG'], input('rc4-40'), out, 1, /Le mot de passe donné n’ouvre pas rc4-40\.pdf/);
    });

    it('no password, and no terminal to ask it on', async () => {
      const out = join(dir, 'missing.pdf');
      await expectFailure(['sign', input('aes-128'), '-o', out, ...p12()], input('aes-128'), out, 1,
        /aes-128\.pdf is protected by a password: give it with --pdf-password-env VAR, or run paraphe in a terminal to be asked/, 'needs-password');
      await expectFailure(['--lang', 'fr', 'sign', input('aes-128'), '-o', out, ...p12()], input('aes-128'), out, 1, /est protégé par un mot de passe : donnez-le avec --pdf-password-env VARIABLE/);
    });

    it('a variable that is not set (a usage error)', async () => {
      const out = join(dir, 'unset.pdf');
      await expectFailure(['sign', input('aes-128'), '-o', out, ...p12(), '--pdf-password-env', 'NOT_SET_ANYWHERE'], input('aes-128'), out, 2, /NOT_SET_ANYWHERE \(--pdf-password-env\) is not set/);
    });

    it('certificate (public-key) security', async () => {
      const out = join(dir, 'pubsec-signed.pdf');
      await expectFailure(['sign', pubSec, '-o', out, ...p12(), '--pdf-password-env', 'DOC_USER'], pubSec, out, 1, /encrypted for certificates \(public-key security\)/, 'unsupported-encryption');
    });

    it('permissions of the user password that forbid signing, which the owner password lifts', async () => {
      const out = join(dir, 'no-changes-signed.pdf');
      await expectFailure(['sign', noSigning, '-o', out, ...p12(), '--pdf-password-env', 'DOC_USER'], noSigning, out, 1, /do not allow adding a signature field with its user password; its owner password lifts them/, 'not-permitted');
      const result = await paraphe(['sign', noSigning, '-o', out, ...p12(), '--pdf-password-env', 'DOC_OWNER'], ENV);
      assert.equal(result.code, 0, result.stderr);
      await assertAllValid(out, pki, 1);
    });

    it('a batch signs what it can: the encrypted input without its password fails alone', async () => {
      const outDir = join(dir, 'batch-out');
      const result = await paraphe(['sign', pdfs.simple, input('aes-256'), ownerOnly, '--out-dir', outDir, ...p12()], ENV);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /\[2\/3\] paraphe: .*aes-256\.pdf is protected by a password/);
      assert.deepEqual((await readdir(outDir)).sort(), ['owner-only.pdf', 'simple.pdf']);
    });
  });

  describe('on a terminal', () => {
    // A real pseudo-terminal (Python's pty module) answers each prompt as it appears.
    const PTY_DRIVER = `
import json, os, pty, sys, time
args = sys.argv[1:]
answers = json.loads(os.environ['PTY_ANSWERS'])
pid, fd = pty.fork()
if pid == 0:
    os.execv(args[0], args)
seen = b''
done = 0
deadline = time.time() + 90
while time.time() < deadline:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    while done < len(answers) and seen.count(answers[done][0].encode()) > sum(1 for a in answers[:done] if a[0] == answers[done][0]):
        time.sleep(0.2)
        os.write(fd, answers[done][1].encode() + b'\\r')
        done += 1
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode('utf-8', 'replace'))
sys.exit(os.waitstatus_to_exitcode(status))
`;
    async function onTerminal(args: string[], answers: [string, string][]) {
      const result = await run('/usr/bin/python3', ['-c', PTY_DRIVER, process.execPath, cli, ...args], {
        env: { ...process.env, LC_ALL: '', LC_MESSAGES: '', LANG: 'C.UTF-8', PTY_ANSWERS: JSON.stringify(answers) }, allowFailure: true, timeoutMs: 100_000,
      });
      return { code: result.code, screen: result.stdout.toString('utf8') + result.stderr.toString('utf8') };
    }

    it('asks the document password without echo, again after a wrong one, before the .p12 password', async () => {
      const out = join(dir, 'tty-signed.pdf');
      const { code, screen } = await onTerminal(['sign', input('aes-256'), '-o', out, '--p12', pki.p12.signer], [
        ['Password to open aes-256.pdf: ', 'wrong guess'],
        ['Password to open aes-256.pdf: ', USER],
        ['Password for signer.p12: ', PKCS12_PASSWORD],
      ]);
      assert.equal(code, 0, screen);
      assert.match(screen, /The password given does not open aes-256\.pdf/);
      assert.ok(screen.indexOf('Password to open') < screen.indexOf('Password for signer.p12'), 'the document first: a file that cannot be opened costs no PIN');
      assert.ok(!screen.includes(USER) && !screen.includes('wrong guess'), 'nothing typed is echoed');
      await assertAllValid(out, pki, 1);
    });

    it('tries the password typed for one input on the next before asking again', async () => {
      const outDir = join(dir, 'tty-batch');
      const { code, screen } = await onTerminal(['sign', input('aes-128'), input('aes-256'), '--out-dir', outDir, '--p12', pki.p12.signer], [
        ['Password to open aes-128.pdf: ', OWNER],
        ['Password for signer.p12: ', PKCS12_PASSWORD],
      ]);
      assert.equal(code, 0, screen);
      assert.doesNotMatch(screen, /Password to open aes-256\.pdf/);
      assert.deepEqual((await readdir(outDir)).sort(), ['aes-128.pdf', 'aes-256.pdf']);
    });
  });
});
