// Forged chains end to end. "Mallory" holds an end-entity certificate of the test PKI (CA:FALSE,
// issued by the test intermediate) and uses its key to issue a certificate named "Alice Signer";
// a document signed with it must not verify as trusted, whatever the chain reaches (the real CLI,
// --trust root.pem). Then the app's trust flow: a self-signed CA:FALSE ID the user trusted is a
// pin for documents it signed itself, never an issuer of certificates to other names.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServices } from '../../main/services';
import type { Services } from '../../main/services';
import { PKCS12_PASSWORD, missingTools, run } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import type { TestPdfs } from '../fixtures/pdfs';
import { plainAddPlaceholder } from '@signpdf/placeholder-plain';
import { P12Signer } from '@signpdf/signer-p12';
import { SignPdf } from '@signpdf/signpdf';
import { P12_ENV, createPkiAndPdfs, p12Args, paraphe, root } from '../fixtures/signing-bed';

const missing = missingTools('openssl', 'qpdf');
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : false;
if (skip) console.log(`SKIPPED forged chain tests: ${skip}`);

interface JsonReason { code: string; message: string }
interface JsonReport { file: string; verdict: string; signatures: { trusted: boolean; status: string; signer: { subject: string } | null; reasons: JsonReason[] }[] }

describe('forged certificate chains are not trusted', { skip, timeout: 240_000 }, () => {
  let dir = '';
  let pki: TestPki;
  let pdfs: TestPdfs;
  let services: Services | undefined;

  /** A CSR for `subject` with a new RSA key at dir/name.key. */
  async function csr(name: string, subject: string): Promise<{ key: string; csr: string }> {
    const key = join(dir, `${name}.key`);
    const request = join(dir, `${name}.csr`);
    await run('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-subj', subject, '-utf8', '-out', request, '-config', await minimalConfig()]);
    return { key, csr: request };
  }

  let configFile = '';
  async function minimalConfig(): Promise<string> {
    if (!configFile) {
      configFile = join(dir, 'req.cnf');
      await writeFile(configFile, '[ req ]\ndistinguished_name = dn\nstring_mask = utf8only\n[ dn ]\n');
    }
    return configFile;
  }

  /** Issues dir/name.crt from a CSR with `issuerCert`/`issuerKey` and exactly the extensions given (openssl x509 -req). */
  async function issue(name: string, subject: string, issuerCert: string, issuerKey: string, extensions: string): Promise<{ cert: string; key: string }> {
    const { key, csr: request } = await csr(name, subject);
    const cert = join(dir, `${name}.crt`);
    const ext = join(dir, `${name}.ext`);
    await writeFile(ext, `${extensions}\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n`);
    await run('openssl', ['x509', '-req', '-in', request, '-CA', issuerCert, '-CAkey', issuerKey, '-set_serial', `0x${Date.now().toString(16)}`, '-days', '30',
      '-sha256', '-extfile', ext, '-out', cert]);
    return { cert, key };
  }

  async function p12(name: string, cert: string, key: string, chain: string[]): Promise<string> {
    const out = join(dir, `${name}.p12`);
    const bundle = join(dir, `${name}-chain.pem`);
    await writeFile(bundle, (await Promise.all(chain.map((c) => readFile(c, 'utf8')))).join(''));
    const args = ['pkcs12', '-export', '-inkey', key, '-in', cert, '-passout', `pass:${PKCS12_PASSWORD}`, '-name', name, '-out', out];
    if (chain.length > 0) args.push('-certfile', bundle);
    await run('openssl', args);
    return out;
  }

  /**
   * Signs with `paraphe sign`, which must sign a genuine chain and refuse a forged one before
   * signing (the signing-time issuer rules: exit 1, one line, no output). A forged file is then
   * made by @signpdf with the whole forged chain inside: what is tested next is the verifier,
   * which must not trust what another tool signed.
   */
  async function signed(name: string, p12File: string, nick: string, expected: 'signs' | 'refused'): Promise<string> {
    const out = join(dir, `${name}.pdf`);
    const result = await paraphe(['sign', pdfs.simple, '-o', out, ...p12Args(p12File)], P12_ENV);
    if (expected === 'signs') {
      assert.equal(result.code, 0, result.stderr);
      return out;
    }
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^paraphe: .*cannot be used for signing: .*not a certification authority/);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.equal(existsSync(out), false, 'nothing written');
    // @signpdf embeds every certificate of the PKCS#12 bag, so the forged chain is in the file.
    const pdfBuffer = await readFile(pdfs.incrementalBase);
    const withPlaceholder = plainAddPlaceholder({ pdfBuffer, reason: 'forged', contactInfo: '', name: nick, location: '', subFilter: 'ETSI.CAdES.detached' });
    await writeFile(out, await new SignPdf().sign(withPlaceholder, new P12Signer(await readFile(p12File), { passphrase: PKCS12_PASSWORD })));
    return out;
  }

  async function verify(file: string, trust: string[]): Promise<{ code: number | null; json: JsonReport }> {
    const result = await paraphe(['verify', file, ...trust.flatMap((t) => ['--trust', t]), '--no-system-trust', '--json']);
    return { code: result.code, json: JSON.parse(result.stdout) as JsonReport };
  }

  before(async () => {
    if (skip) return;
    dir = await mkdtemp(join(tmpdir(), 'paraphe-forged-'));
    ({ pki, pdfs } = await createPkiAndPdfs(dir));
  });

  after(async () => {
    await services?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('Mallory (CA:FALSE, issued by the test intermediate) cannot vouch for "Alice Signer": the CLI and openssl verify agree', async () => {
    // Mallory: an ordinary end-entity certificate of the PKI, no key usage (any key usage without
    // keyCertSign would already stop the chain at Alice).
    const mallory = await issue('mallory', '/C=FR/O=Paraphe Test/CN=Mallory', pki.intermediate.certPem, pki.intermediate.keyPem,
      'basicConstraints = critical, CA:false\nextendedKeyUsage = emailProtection');
    const alice = await issue('alice', '/C=FR/O=Paraphe Test/CN=Alice Signer', mallory.cert, mallory.key,
      'basicConstraints = critical, CA:false\nkeyUsage = critical, digitalSignature, nonRepudiation\nextendedKeyUsage = emailProtection');
    const aliceP12 = await p12('alice', alice.cert, alice.key, [mallory.cert, pki.intermediate.certPem, pki.root.certPem]);
    const file = await signed('forged', aliceP12, 'alice', 'refused');

    const { code, json } = await verify(file, [pki.root.certPem]);
    const sig = json.signatures[0];
    assert.ok(sig, JSON.stringify(json));
    assert.deepEqual(Object.keys(json).sort(), ['file', 'signatures', 'verdict']);
    assert.match(sig.signer?.subject ?? '', /Alice Signer/);
    assert.match(sig.reasons.find((r) => r.code === 'CHAIN_UNTRUSTED')?.message ?? '', /chain: Alice Signer → Mallory → Paraphe Test Issuing CA → Paraphe Test Root CA/,
      'the chain does reach the trusted root');
    assert.equal(sig.trusted, false, JSON.stringify(sig));
    assert.notEqual(json.verdict, 'VALID');
    const codes = sig.reasons.map((r) => r.code);
    assert.ok(codes.includes('CHAIN_UNTRUSTED'), codes.join(', '));
    assert.ok(codes.includes('CHAIN_ISSUER_NOT_CA'), codes.join(', '));
    assert.match(sig.reasons.find((r) => r.code === 'CHAIN_ISSUER_NOT_CA')?.message ?? '', /Mallory is not a certification authority/);
    assert.equal(code, 1);

    // openssl says the same.
    const untrusted = join(dir, 'untrusted.pem');
    await writeFile(untrusted, (await readFile(mallory.cert, 'utf8')) + (await readFile(pki.intermediate.certPem, 'utf8')));
    const openssl = await run('openssl', ['verify', '-CAfile', pki.root.certPem, '-untrusted', untrusted, alice.cert], { allowFailure: true });
    assert.notEqual(openssl.code, 0, openssl.output);
    assert.match(openssl.output, /invalid CA certificate/i);

    // The genuine signer of the same PKI still verifies (the fixture's CAs carry proper extensions).
    const genuine = await signed('genuine', pki.p12.signer, 'signer', 'signs');
    const ok = await verify(genuine, [pki.root.certPem]);
    assert.equal(ok.json.signatures[0]?.trusted, true, JSON.stringify(ok.json));
    assert.ok(!ok.json.signatures[0]?.reasons.some((r) => r.code.startsWith('CHAIN_')), JSON.stringify(ok.json.signatures[0]?.reasons));
  });

  it('a self-signed CA:FALSE ID trusted in the app is a pin: its own documents are trusted, what it "issued" is not', async () => {
    // "Moi Meme": self-signed, CA:FALSE, no key usage (as some tools make personal IDs). ASCII names: node-forge, inside @signpdf, re-encodes a UTF-8 issuer name in the SignerInfo, which then matches no certificate.
    const { key, csr: request } = await csr('moi', '/CN=Moi Meme');
    const moiCert = join(dir, 'moi.crt');
    const moiExt = join(dir, 'moi.ext');
    await writeFile(moiExt, 'basicConstraints = critical, CA:false\nextendedKeyUsage = emailProtection\nsubjectKeyIdentifier = hash\n');
    await run('openssl', ['x509', '-req', '-in', request, '-signkey', key, '-days', '30', '-sha256', '-extfile', moiExt, '-out', moiCert]);
    const bob = await issue('bob', '/CN=Bob Autre', moiCert, key,
      'basicConstraints = critical, CA:false\nkeyUsage = critical, digitalSignature, nonRepudiation\nextendedKeyUsage = emailProtection');
    const byMoi = await signed('by-moi', await p12('moi', moiCert, key, []), 'moi', 'signs');
    const byBob = await signed('by-bob', await p12('bob', bob.cert, bob.key, [moiCert]), 'bob', 'refused');

    await mkdir(join(dir, 'data'));
    services = createServices({
      userDataDir: join(dir, 'data'),
      appRoot: root,
      env: { appName: 'Paraphe', version: 'test', platform: process.platform, systemLocale: 'en-US' },
      dialogs: { chooseDocument: async () => null, chooseCertificateFile: async () => null, chooseModuleFile: async () => null, chooseSavePath: async () => null },
    });
    const mine = await services.documents.openPath(byMoi);
    const before = await services.documents.validate(mine.docId);
    assert.equal(before.signatures[0]?.trusted, false);
    // The user trusts the ID from the signature panel (signature 0, certificate 0: the signer's own).
    await services.settings.addTrustedCertificate(services.documents.certificateToTrust(mine.docId, 0, 0));
    const pinned = await services.documents.validate(mine.docId);
    assert.equal(pinned.signatures[0]?.trusted, true, JSON.stringify(pinned.signatures[0]?.reasons));
    assert.equal(pinned.signatures[0]?.status, 'VALID', JSON.stringify(pinned.signatures[0]?.reasons));

    const theirs = await services.documents.openPath(byBob);
    const forged = await services.documents.validate(theirs.docId);
    const sig = forged.signatures[0];
    assert.ok(sig);
    assert.deepEqual(sig.chain.map((c) => c.name), ['Bob Autre', 'Moi Meme'], JSON.stringify(sig));
    assert.equal(sig.chain[1]?.trustedByUser, true, 'the chain does end at the trusted ID');
    assert.equal(sig.trusted, false, JSON.stringify(sig.reasons));
    assert.notEqual(sig.status, 'VALID');
    const codes = sig.reasons.map((r) => r.code);
    assert.ok(codes.includes('CHAIN_UNTRUSTED') && codes.includes('CHAIN_ISSUER_NOT_CA'), codes.join(', '));
    assert.match(sig.reasons.find((r) => r.code === 'CHAIN_ISSUER_NOT_CA')?.fr ?? '', /autorité de certification/);
    await services.documents.close(mine.docId);
    await services.documents.close(theirs.docId);
  });
});
