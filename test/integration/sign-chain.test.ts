// Issue 11, part 4: a chain nobody can verify is not signed in silence. `paraphe sign` warns before
// signing when the signature's chain stops short of a root (stderr, and CHAIN_INCOMPLETE in
// --json), and `--chain FILE` (PEM bundle, DER, .p7b in DER or PEM) adds the issuer certificates,
// after which poppler's pdfsig, trusting only the test root, trusts the signer. The PKCS#12 file
// holding the signer's certificate alone is made here with openssl, as a token or a careless
// export would give it.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { missingTools, PKCS12_PASSWORD, run } from '../fixtures/pki';
import { createPkiAndPdfs, P12_ENV, p12Args, paraphe } from '../fixtures/signing-bed';
import type { PkiAndPdfs } from '../fixtures/signing-bed';
import { verifyWithPdfsig } from '../fixtures/signed-by-poppler';
import { qpdfCheck } from '../fixtures/pdfs';

const missing = missingTools('openssl', 'qpdf', 'pdfsig', 'gs');
if (missing.length > 0) console.log(`SKIPPED sign --chain tests: not installed: ${missing.join(', ')}`);

interface Warning { code: string; message: string }
interface Outcome { ok: boolean; output?: string; warnings?: Warning[]; error?: { code: string; message: string } }

describe('paraphe sign: incomplete chains warned of, --chain completes them', { skip: missing.length > 0 ? missing.join(', ') : false, timeout: 240_000 }, () => {
  let dir: string;
  let bed: PkiAndPdfs;
  /** The signer's key and certificate, and no other certificate. */
  let leafP12: string;
  const files: Record<'p7bDer' | 'p7bPem' | 'junk' | 'tooMany' | 'tooLarge', string> = { p7bDer: '', p7bPem: '', junk: '', tooMany: '', tooLarge: '' };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-chain-'));
    bed = await createPkiAndPdfs(dir);
    const { pki } = bed;
    leafP12 = join(dir, 'leaf-only.p12');
    await run('openssl', ['pkcs12', '-export', '-in', pki.signer.certPem, '-inkey', pki.signer.keyPem, '-out', leafP12, '-passout', `pass:${PKCS12_PASSWORD}`]);
    files.p7bDer = join(dir, 'chain.p7b');
    files.p7bPem = join(dir, 'chain-p7b.pem');
    await run('openssl', ['crl2pkcs7', '-nocrl', '-certfile', pki.chain.caChainPem, '-outform', 'DER', '-out', files.p7bDer]);
    await run('openssl', ['crl2pkcs7', '-nocrl', '-certfile', pki.chain.caChainPem, '-outform', 'PEM', '-out', files.p7bPem]);
    files.junk = bed.pdfs.simple;
    files.tooMany = join(dir, 'too-many.pem');
    await writeFile(files.tooMany, (await readFile(pki.intermediate.certPem, 'utf8')).repeat(65));
    files.tooLarge = join(dir, 'too-large.pem');
    await writeFile(files.tooLarge, Buffer.alloc(5 * 1024 * 1024, 0x41));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const sign = async (name: string, extra: string[], env: Record<string, string> = {}, p12 = leafP12) => {
    const output = join(dir, `${name}.pdf`);
    const result = await paraphe(['sign', bed.pdfs.simple, '-o', output, ...p12Args(p12), '--json', ...extra], { ...P12_ENV, ...env });
    return { ...result, output, outcome: JSON.parse(result.stdout || 'null') as Outcome };
  };

  it('warns before signing when the signature would carry the certificate alone; validators find no issuer', async () => {
    const r = await sign('leaf-alone', []);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.outcome.warnings?.map((w) => w.code), ['CHAIN_INCOMPLETE']);
    assert.match(r.outcome.warnings?.[0]?.message ?? '', /^the signature would carry the certificate of Élodie Signataire without any issuer certificate: validators may reject the signature \(no issuer found\)\. Give the issuer certificates with --chain FILE\.$/);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line on stderr');
    assert.match(r.stderr, /^paraphe: warning: the signature would carry the certificate of Élodie Signataire without any issuer certificate/);
    await qpdfCheck(r.output);
    const report = await verifyWithPdfsig(r.output, { pki: bed.pki });
    assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
    assert.notEqual(report.signatures[0]?.certificateValidation, 'Certificate is Trusted.', 'without the intermediate, pdfsig cannot trust the signer');
  });

  it('in French on stderr, the same code in --json', async () => {
    const r = await sign('leaf-alone-fr', [], { LANG: 'fr_FR.UTF-8', LC_ALL: '', LC_MESSAGES: '' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^paraphe: avertissement : la signature porterait le certificat de Élodie Signataire sans aucun certificat émetteur : les validateurs risquent de refuser la signature/);
    assert.equal(r.outcome.warnings?.[0]?.code, 'CHAIN_INCOMPLETE');
    assert.match(r.outcome.warnings?.[0]?.message ?? '', /^the signature would carry/, '--json stays English');
  });

  for (const [label, chainFile] of [
    ['a PEM bundle', () => bed.pki.chain.caChainPem],
    ['a DER .p7b', () => files.p7bDer],
    ['a PEM PKCS7 block', () => files.p7bPem],
  ] as const) {
    it(`--chain with ${label}: no warning, and pdfsig trusts the signer through the added intermediate`, async () => {
      const r = await sign(`chain-${label.replace(/\W+/g, '-')}`, ['--chain', chainFile()]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.outcome.warnings, []);
      assert.equal(r.stderr, '');
      await qpdfCheck(r.output);
      const report = await verifyWithPdfsig(r.output, { pki: bed.pki });
      assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
      assert.equal(report.signatures[0]?.certificateValidation, 'Certificate is Trusted.', report.output);
    });
  }

  it('--chain repeated (intermediate DER, then root PEM); with the intermediate alone the chain still stops short of the root and says where', async () => {
    const both = await sign('chain-two-files', ['--chain', bed.pki.intermediate.certDer, '--chain', bed.pki.root.certPem]);
    assert.equal(both.code, 0, both.stderr);
    assert.deepEqual(both.outcome.warnings, []);
    const half = await sign('chain-intermediate-only', ['--chain', bed.pki.intermediate.certDer]);
    assert.equal(half.code, 0, half.stderr);
    assert.deepEqual(half.outcome.warnings?.map((w) => w.code), ['CHAIN_INCOMPLETE']);
    assert.match(half.outcome.warnings?.[0]?.message ?? '', /^the certificate chain of Élodie Signataire stops at “Paraphe Test Issuing CA”, which is not a root certificate/);
    const report = await verifyWithPdfsig(half.output, { pki: bed.pki });
    assert.equal(report.signatures[0]?.certificateValidation, 'Certificate is Trusted.', 'the intermediate is what validators need');
  });

  it('a .p12 that carries its chain signs without a warning', async () => {
    const r = await sign('full-p12', [], {}, bed.pki.p12.signer);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.outcome.warnings, []);
    assert.equal(r.stderr, '');
  });

  it('a --chain file that is missing, not certificates, too large or too full: exit 1, said in words, nothing written', async () => {
    const cases: [string, string, RegExp][] = [
      ['missing', join(dir, 'nowhere.pem'), /^The issuer certificates file .*nowhere\.pem cannot be read \(ENOENT\); nothing was signed\.$/],
      ['junk', files.junk, /^simple\.pdf holds no certificate \(expected PEM, DER or a \.p7b bundle\)\.$/],
      ['too-many', files.tooMany, /^too-many\.pem holds 65 certificates; at most 64 are read\.$/],
      ['too-large', files.tooLarge, /^too-large\.pem is larger than 4 MB: it is no bundle of issuer certificates\.$/],
      // A device with no end: read up to the bound, never whole.
      ['endless', '/dev/zero', /^zero is larger than 4 MB: it is no bundle of issuer certificates\.$/],
    ];
    for (const [name, file, message] of cases) {
      const output = join(dir, `refused-${name}.pdf`);
      const r = await paraphe(['sign', bed.pdfs.simple, '-o', output, ...p12Args(leafP12), '--json', '--chain', file], P12_ENV);
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      const [outcome] = JSON.parse(r.stdout) as Outcome[];
      assert.match(outcome?.error?.message ?? '', message, name);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.ok(!(await readdir(dir)).some((f) => f.startsWith(`refused-${name}`) || f.includes('.tmp')), `${name}: no output, no temporary file`);
    }
  });
});
