// Issue 11, part 4 (the app): the issuer certificates imported in settings (main/services/issuers.ts)
// and the pool that completes every signer's chain. The store: import (PEM bundle, DER, .p7b),
// dedupe by fingerprint, remove, a bad file refused in words with nothing changed, its bounds, a
// damaged store set aside. The pool: imported, trusted and system-store certificates added to a
// signer's chain (withIssuers), the CHAIN_INCOMPLETE notice decided from the same pool, through
// createServices as the app and the command line (which reads the app's store) use them. The test
// PKI comes from openssl; a .p12 with the signer's certificate alone is made here.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createServices } from '../../main/services';
import type { Services } from '../../main/services';
import { ISSUERS_FILE, IssuerCertificateStore, MAX_ISSUER_CERTIFICATES } from '../../main/services/issuers';
import { openPkcs12Signer } from '../../main/signers';
import type { Signer } from '../../main/signers';
import { fingerprint, splitStore, systemStorePems } from '../../main/x509';
import { MAX_SYSTEM_STORE_BYTES } from '../../main/x509/system-store';
import { PKCS12_PASSWORD, createTestPki, missingTools, run } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import { makeTestPdfs } from '../fixtures/pdfs';
import { P12_ENV, p12Args, paraphe, requireCliBundle } from '../fixtures/signing-bed';
import { verifyWithPdfsig } from '../fixtures/signed-by-poppler';

const missing = missingTools('openssl', 'qpdf', 'pdfsig', 'gs');
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : false;
if (skip) console.log(`SKIPPED issuer certificates tests: ${skip}`);
const root = fileURLToPath(new URL('../..', import.meta.url));
const NO_SYSTEM = () => ({ intermediates: [], roots: [] });

describe('issuer certificates: the store, the pool, the notice', { skip, timeout: 240_000 }, () => {
  let dir = '';
  let pki: TestPki;
  let leafP12 = '';
  let rootDer: Uint8Array;
  let intermediateDer: Uint8Array;
  const files = { p7b: '', signerOnly: '', fullChain: '', junk: '', tooLarge: '', tooMany: '', forty: '', thirty: '', pdf: '' };

  before(async () => {
    if (skip) return;
    dir = await mkdtemp(join(tmpdir(), 'paraphe-issuers-'));
    await Promise.all([mkdir(join(dir, 'pki')), mkdir(join(dir, 'pdfs')), mkdir(join(dir, 'cas'))]);
    const [made, pdfs] = await Promise.all([createTestPki(join(dir, 'pki')), makeTestPdfs(join(dir, 'pdfs'))]);
    pki = made;
    files.pdf = pdfs.simple;
    rootDer = new Uint8Array(await readFile(pki.root.certDer));
    intermediateDer = new Uint8Array(await readFile(pki.intermediate.certDer));
    leafP12 = join(dir, 'leaf-only.p12');
    await run('openssl', ['pkcs12', '-export', '-in', pki.signer.certPem, '-inkey', pki.signer.keyPem, '-out', leafP12, '-passout', `pass:${PKCS12_PASSWORD}`]);
    files.p7b = join(dir, 'chain.p7b');
    await run('openssl', ['crl2pkcs7', '-nocrl', '-certfile', pki.chain.caChainPem, '-outform', 'DER', '-out', files.p7b]);
    files.signerOnly = pki.signer.certPem;
    files.fullChain = join(dir, 'fullchain.pem');
    await writeFile(files.fullChain, `${await readFile(pki.signer.certPem, 'utf8')}${await readFile(pki.chain.caChainPem, 'utf8')}`);
    files.junk = join(dir, 'notes.txt');
    await writeFile(files.junk, 'These are not certificates.\n');
    files.tooLarge = join(dir, 'too-large.pem');
    await writeFile(files.tooLarge, Buffer.alloc(5 * 1024 * 1024, 0x41));
    files.tooMany = join(dir, 'too-many.pem');
    await writeFile(files.tooMany, (await readFile(pki.intermediate.certPem, 'utf8')).repeat(65));
    // 70 distinct authorities (one key, 70 self-signed CA certificates), in a file of 40 and one of 30.
    const key = join(dir, 'cas', 'key.pem');
    await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
    const pems: string[] = [];
    for (let start = 0; start < 70; start += 10) {
      pems.push(...(await Promise.all(Array.from({ length: 10 }, async (_, i) => {
        const out = join(dir, 'cas', `ca-${start + i}.pem`);
        await run('openssl', ['req', '-x509', '-key', key, '-subj', `/O=Paraphe Test/CN=Bulk CA ${start + i}`, '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-out', out]);
        return readFile(out, 'utf8');
      }))));
    }
    files.forty = join(dir, 'forty.pem');
    files.thirty = join(dir, 'thirty.pem');
    await writeFile(files.forty, pems.slice(0, 40).join(''));
    await writeFile(files.thirty, pems.slice(40).join(''));
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  let profiles = 0;
  /** A store in a fresh data folder, isolated from this machine's system store unless told. */
  const freshStore = async (sources: ConstructorParameters<typeof IssuerCertificateStore>[1] = {}) => {
    const folder = join(dir, `profile-${++profiles}`);
    return { folder, store: new IssuerCertificateStore(folder, { system: NO_SYSTEM, ...sources }) };
  };
  const leafSigner = () => openPkcs12Signer(leafP12, PKCS12_PASSWORD);
  const fp = (der: Uint8Array) => fingerprint(der);

  describe('the store', () => {
    it('imports a DER certificate, then a PEM bundle (the known one counted, not doubled), then a .p7b; kept across restarts', async () => {
      const { folder, store } = await freshStore();
      assert.deepEqual(await store.list(), []);
      const first = await store.importFile(pki.intermediate.certDer);
      assert.deepEqual({ ...first, certificates: first.certificates.length }, { added: 1, already: 0, notAuthority: 0, certificates: 1 });
      const [intermediate] = first.certificates;
      assert.equal(intermediate?.name, 'Paraphe Test Issuing CA');
      assert.match(intermediate?.subject ?? '', /CN=Paraphe Test Issuing CA/);
      assert.match(intermediate?.issuer ?? '', /CN=Paraphe Test Root CA/);
      assert.equal(intermediate?.fingerprint, fp(intermediateDer));
      assert.equal(intermediate?.notAfter, new Date(new X509Certificate(intermediateDer).validTo).toISOString());
      assert.equal(intermediate?.selfSigned, false);

      const second = await store.importFile(pki.chain.caChainPem);
      assert.deepEqual([second.added, second.already], [1, 1]);
      assert.deepEqual(second.certificates.map((c) => [c.name, c.selfSigned]), [['Paraphe Test Root CA', true], ['Paraphe Test Issuing CA', false]], 'the latest first');
      const third = await store.importFile(files.p7b);
      assert.deepEqual([third.added, third.already, third.certificates.length], [0, 2, 2]);

      const text = await readFile(join(folder, ISSUERS_FILE), 'utf8');
      assert.equal(text.match(/-----BEGIN CERTIFICATE-----/g)?.length, 2);
      assert.match(text, /# SHA-256 [0-9a-f]{64}/);
      assert.equal((await stat(join(folder, ISSUERS_FILE))).mode & 0o777, 0o600);
      const again = new IssuerCertificateStore(folder, { system: NO_SYSTEM });
      assert.deepEqual((await again.list()).map((c) => c.fingerprint), [fp(rootDer), fp(intermediateDer)]);
      assert.ok(!(await readdir(folder)).some((f) => f.endsWith('.tmp')), 'no temporary file left');
    });

    it('keeps only the authorities of a full-chain file, and refuses a file of signers alone', async () => {
      const { store } = await freshStore();
      const full = await store.importFile(files.fullChain);
      assert.deepEqual([full.added, full.already, full.notAuthority], [2, 0, 1]);
      assert.ok(!full.certificates.some((c) => c.name === 'Élodie Signataire'));
      await assert.rejects(store.importFile(files.signerOnly), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'issuer-not-authority');
        assert.match(error.message, /^signer\.crt holds the certificate of a signer and no certificate of a certification authority/);
        return true;
      });
      assert.equal((await store.list()).length, 2, 'nothing changed');
    });

    it('removes by fingerprint; the last one gone, so is the file', async () => {
      const { folder, store } = await freshStore();
      await store.importFile(pki.chain.caChainPem);
      const left = await store.remove(fp(rootDer));
      assert.deepEqual(left.map((c) => c.name), ['Paraphe Test Issuing CA']);
      assert.deepEqual((await new IssuerCertificateStore(folder, { system: NO_SYSTEM }).list()).map((c) => c.name), ['Paraphe Test Issuing CA']);
      assert.equal((await store.remove('0'.repeat(64))).length, 1, 'an unknown fingerprint changes nothing');
      assert.deepEqual(await store.remove(fp(intermediateDer)), []);
      await assert.rejects(stat(join(folder, ISSUERS_FILE)), { code: 'ENOENT' });
    });

    it('refuses a bad file in words, naming it, and changes nothing', async () => {
      const { folder, store } = await freshStore();
      await store.importFile(pki.intermediate.certDer);
      const before = await readFile(join(folder, ISSUERS_FILE));
      const cases: [string, string, string, RegExp][] = [
        ['missing', join(dir, 'nowhere.pem'), 'issuer-file-unreadable', /^nowhere\.pem cannot be read \(ENOENT\); no certificate was imported\.$/],
        ['a folder', dir, 'issuer-file-unreadable', /cannot be read \(EISDIR\)/],
        ['not certificates', files.junk, 'bad-certificate', /^notes\.txt holds no certificate \(expected PEM, DER or a \.p7b bundle\)\.$/],
        ['a PDF', files.pdf, 'bad-certificate', /^simple\.pdf holds no certificate/],
        ['too large', files.tooLarge, 'bad-certificate', /^too-large\.pem is larger than 4 MB: it is no bundle of issuer certificates\.$/],
        ['endless', '/dev/zero', 'bad-certificate', /^zero is larger than 4 MB/],
        ['too many', files.tooMany, 'bad-certificate', /^too-many\.pem holds 65 certificates; at most 64 are read\.$/],
      ];
      for (const [label, file, code, message] of cases) {
        await assert.rejects(store.importFile(file), (error: Error & { code?: string }) => {
          assert.equal(error.code, code, `${label}: ${error.message}`);
          assert.match(error.message, message, label);
          return true;
        });
      }
      assert.deepEqual(await readFile(join(folder, ISSUERS_FILE)), before, 'the store is untouched');
      assert.equal((await store.list()).length, 1);
    });

    it(`keeps at most ${MAX_ISSUER_CERTIFICATES}: an import that would pass the bound is refused whole`, async () => {
      const { store } = await freshStore();
      assert.equal((await store.importFile(files.forty)).added, 40);
      await assert.rejects(store.importFile(files.thirty), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'issuer-store-full');
        assert.match(error.message, /^thirty\.pem brings 30 new issuer certificates and 40 are kept already: at most 64 are kept\. Remove some first; nothing was imported\.$/);
        return true;
      });
      assert.equal((await store.list()).length, 40);
    });

    it('one change at a time: the same file imported twice at once is kept once', async () => {
      const { store } = await freshStore();
      const [a, b] = await Promise.all([store.importFile(pki.chain.caChainPem), store.importFile(pki.chain.caChainPem)]);
      assert.deepEqual([a.added, b.added, b.already], [2, 0, 2]);
      assert.equal((await store.list()).length, 2);
    });

    it('a damaged store file lists nothing, and is set aside, not written over, at the next import', async () => {
      const { folder } = await freshStore();
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, ISSUERS_FILE), '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
      const store = new IssuerCertificateStore(folder, { system: NO_SYSTEM });
      assert.deepEqual(await store.list(), []);
      await store.importFile(pki.intermediate.certDer);
      const names = await readdir(folder);
      const aside = names.find((n) => n.startsWith(`${ISSUERS_FILE}.damaged-`));
      assert.ok(aside, names.join(', '));
      assert.match(await readFile(join(folder, aside), 'utf8'), /not base64 at all/, 'what was there is kept');
      assert.equal((await new IssuerCertificateStore(folder, { system: NO_SYSTEM }).list()).length, 1);
    });
  });

  describe('the pool completes a signer and decides the notice', () => {
    const chainOf = (signer: Signer) => signer.chain.map((c) => fp(c));

    it('a signer alone: CHAIN_INCOMPLETE; the intermediate imported: still short of a root, and said where; the root too: complete, no warning', async () => {
      const { store } = await freshStore();
      const signer = await leafSigner();
      try {
        assert.deepEqual(signer.chain, []);
        assert.equal(await store.complete(signer), signer, 'nothing to add: the signer itself');
        assert.deepEqual(await store.warnings(signer), [{ code: 'CHAIN_INCOMPLETE', subject: 'Élodie Signataire', stopsAt: null }]);

        await store.importFile(pki.intermediate.certDer);
        const half = await store.complete(signer);
        assert.deepEqual(chainOf(half), [fp(intermediateDer)]);
        assert.deepEqual(await store.warnings(signer), [{ code: 'CHAIN_INCOMPLETE', subject: 'Élodie Signataire', stopsAt: 'Paraphe Test Issuing CA' }]);

        await store.importFile(pki.root.certPem);
        const whole = await store.complete(signer);
        assert.deepEqual(chainOf(whole), [fp(intermediateDer), fp(rootDer)], 'issuer first, up to the root');
        assert.deepEqual(await store.warnings(signer), []);
        assert.equal(whole.certificate, signer.certificate);
        assert.deepEqual(whole.algorithms, signer.algorithms);
      } finally {
        await signer.close();
      }
    });

    it('unrelated authorities are not added; a signer that brings its chain is left as it is', async () => {
      const { store } = await freshStore();
      await store.importFile(files.forty);
      const alone = await leafSigner();
      const full = await openPkcs12Signer(pki.p12.signer, PKCS12_PASSWORD);
      try {
        assert.equal(await store.complete(alone), alone);
        await store.importFile(pki.chain.caChainPem);
        assert.equal(await store.complete(full), full, 'its own chain already holds the issuers');
        assert.deepEqual(await store.warnings(full), []);
        assert.deepEqual(chainOf(await store.complete(alone)), [fp(intermediateDer), fp(rootDer)], '40 unrelated CAs stay out');
      } finally {
        await alone.close();
        await full.close();
      }
    });

    it('the certificates trusted in settings and the system store complete the chain too; a system root ends it without being carried', async () => {
      const signer = await leafSigner();
      try {
        const { store: trusted } = await freshStore({ trusted: async () => [rootDer, intermediateDer] });
        assert.deepEqual(chainOf(await trusted.complete(signer)), [fp(intermediateDer), fp(rootDer)]);
        assert.deepEqual(await trusted.warnings(signer), []);

        const store = splitStore([await readFile(pki.root.certPem, 'utf8'), await readFile(pki.intermediate.certPem, 'utf8')]);
        assert.deepEqual([store.intermediates.map(fp), store.roots.map(fp)], [[fp(intermediateDer)], [fp(rootDer)]]);
        const { store: system } = await freshStore({ system: () => store });
        assert.deepEqual(chainOf(await system.complete(signer)), [fp(intermediateDer)], 'the intermediate is carried, the root is not');
        assert.deepEqual(await system.warnings(signer), [], 'the chain reaches a root of the system store');
      } finally {
        await signer.close();
      }
    });
  });

  describe('the system store', () => {
    it('reads the first bundle file there is (SSL_CERT_FILE first), bounded; Node reader first where it exists; nothing to read on Windows without it', async () => {
      const bundle = join(dir, 'system-bundle.pem');
      await writeFile(bundle, `# a comment\n${await readFile(pki.chain.caChainPem, 'utf8')}`);
      const linux = { platform: 'linux' as const, getCACertificates: null };
      assert.equal(systemStorePems({ ...linux, files: [join(dir, 'absent.pem'), dir, bundle] }).length, 2, 'an absent file and a folder are passed over');
      assert.equal(systemStorePems({ ...linux, env: { SSL_CERT_FILE: bundle } }).length, 2);
      const huge = join(dir, 'huge.pem');
      await writeFile(huge, Buffer.alloc(MAX_SYSTEM_STORE_BYTES + 10, 0x41));
      assert.deepEqual(systemStorePems({ ...linux, files: [huge, bundle] }), [], 'larger than any store: not read whole, not used');
      assert.deepEqual(systemStorePems({ platform: 'win32', getCACertificates: null }), []);
      const pem = await readFile(pki.root.certPem, 'utf8');
      assert.deepEqual(systemStorePems({ platform: 'win32', getCACertificates: (type) => (type === 'system' ? [pem] : []) }), [pem]);
      assert.deepEqual(splitStore(['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', pem]).roots.length, 1, 'an unreadable certificate is skipped');
    });
  });

  describe('through createServices, as the app and the command line use it', () => {
    let services: Services;
    let profile = '';

    before(async () => {
      if (skip) return;
      profile = join(dir, 'app-profile');
      services = createServices({
        userDataDir: profile,
        appRoot: root,
        env: { appName: 'Paraphe', version: 'test', platform: process.platform, systemLocale: 'en-US' },
        dialogs: { chooseDocument: async () => null, chooseCertificateFile: async () => null, chooseModuleFile: async () => null, chooseSavePath: async () => null },
      });
    });
    after(async () => {
      await services?.dispose();
    });

    it('an imported .p12 keeps its certificates for the notice, which goes away once the issuers are imported; its signer then carries them', async () => {
      const identity = await services.identities.importP12(leafP12, PKCS12_PASSWORD);
      const settings = await readFile(join(profile, 'settings.json'), 'utf8');
      assert.ok(!settings.includes(PKCS12_PASSWORD), 'no password kept');
      assert.equal((await services.settings.get()).identities?.[0]?.certificates?.length, 1, 'the certificate alone, as the file holds it');
      assert.deepEqual(await services.identities.signingWarnings(identity.id), [{ code: 'CHAIN_INCOMPLETE', subject: 'Élodie Signataire', stopsAt: null }]);

      await services.issuers.importFile(files.p7b);
      assert.deepEqual(await services.identities.signingWarnings(identity.id), []);
      const signer = await services.identities.openSigner(identity.id, { ask: async () => PKCS12_PASSWORD });
      try {
        assert.deepEqual(signer.chain.map(fp), [fp(intermediateDer), fp(rootDer)]);
      } finally {
        await signer.close();
      }
    });

    it('paraphe sign --p12 reads the issuer certificates of the app\'s settings: no warning, and pdfsig trusts the signer', async () => {
      requireCliBundle();
      const output = join(dir, 'cli-signed.pdf');
      const r = await paraphe(['sign', files.pdf, '-o', output, ...p12Args(leafP12), '--json'], { ...P12_ENV, PARAPHE_USER_DATA_DIR: profile });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual((JSON.parse(r.stdout) as { warnings?: unknown[] }).warnings, []);
      assert.equal(r.stderr, '');
      const report = await verifyWithPdfsig(output, { pki });
      assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
      assert.equal(report.signatures[0]?.certificateValidation, 'Certificate is Trusted.', report.output);

      const elsewhere = join(dir, 'cli-signed-empty-profile.pdf');
      const bare = await paraphe(['sign', files.pdf, '-o', elsewhere, ...p12Args(leafP12), '--json'], { ...P12_ENV, PARAPHE_USER_DATA_DIR: join(dir, 'empty-profile') });
      assert.equal(bare.code, 0, bare.stderr);
      assert.match(bare.stderr, /^paraphe: warning: the signature would carry the certificate of Élodie Signataire without any issuer certificate/);
    });
  });
});
