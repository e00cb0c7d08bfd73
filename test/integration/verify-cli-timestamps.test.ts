// Timestamps and revocation data under `paraphe verify`: the TSA's own chain (trusted or not,
// revoked before or after the timestamp), the freshness of the revocation data a DSS holds
// (crafted OCSP responses dated before the signature or in the future), and the level of document
// timestamps. PDFs are signed by the CLI (a process); DSS updates are appended with our writer and
// checked both with the CLI and with validatePdf in this process.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { issueCertificate, missingTools, revokeCertificate } from '../fixtures/pki';
import type { CertFiles, TestPki } from '../fixtures/pki';
import { craftOcspResponse } from '../fixtures/ocsp';
import type { OcspResponder } from '../fixtures/ocsp';
import { createForeignTsaIdentity, startTsa } from '../fixtures/tsa';
import type { TestTsa, TsaIdentity } from '../fixtures/tsa';
import type { TestPdfs } from '../fixtures/pdfs';
import { P12_ENV, p12Args, paraphe, startSigningBed } from '../fixtures/signing-bed';
import type { CliResult, SigningBed } from '../fixtures/signing-bed';
import { concat, open } from '../unit/helpers/pdf-edit';
import { bytesSource, prepareDssUpdate } from '../../main/pdf';
import { validatePdf } from '../../main/validation/validate';
import type { FileReport } from '../../main/validation/validate';
import type { VerifyJson } from '../../main/cli/verify';

const missing = missingTools('openssl', 'qpdf', 'gs');
const skip = missing.length > 0 ? `missing tools: ${missing.join(', ')}` : false;

const MINUTE = 60_000;

describe('paraphe verify: TSA chains, revocation freshness, document timestamp levels', { timeout: 300_000 }, () => {
  let dir: string;
  let bed: SigningBed | undefined;
  let pki: TestPki;
  let ocsp: OcspResponder;
  let tsa: TestTsa;
  let pdfs: TestPdfs;
  const extraTsas: TestTsa[] = [];
  const p12 = () => p12Args(pki.p12.signer);
  const trust = () => ['--trust', pki.root.certPem, '--no-system-trust'];

  async function verify(file: string, extra: string[] = trust()): Promise<{ result: CliResult; json: VerifyJson }> {
    const result = await paraphe(['verify', file, '--json', ...extra]);
    return { result, json: JSON.parse(result.stdout) as VerifyJson };
  }

  async function sign(name: string, args: string[], input = pdfs.simple): Promise<string> {
    const out = join(dir, `${name}.pdf`);
    const result = await paraphe(['sign', input, '-o', out, ...p12(), ...args], P12_ENV);
    assert.equal(result.code, 0, result.stderr);
    return out;
  }

  async function tsaWith(identity: TsaIdentity): Promise<TestTsa> {
    const other = await startTsa(pki, { identity });
    extraTsas.push(other);
    return other;
  }

  /** A TSA certificate of the test PKI (issued by the intermediate CA), as a TSA identity. */
  async function pkiTsaIdentity(name: string): Promise<{ cert: CertFiles; identity: TsaIdentity }> {
    const cert = await issueCertificate(pki, { name, subject: `/C=FR/O=Paraphe Test/CN=${name}`, profile: 'tsa' });
    return { cert, identity: { certPem: cert.certPem, keyPem: cert.keyPem, chainPem: pki.chain.caChainPem } };
  }

  const codes = (json: VerifyJson | FileReport, i = 0): string[] => (json.signatures[i]?.reasons ?? []).map((r) => r.code);
  const der = async (file: string) => new Uint8Array(await readFile(file));

  /** `file` with one more update: a DSS holding `ocsps`, the root's CRL (for the intermediate) and the CA certificates. */
  async function withDss(file: string, ocsps: Uint8Array[]): Promise<Uint8Array> {
    const bytes = await der(file);
    const crls = [await der(pki.crl.root.der)];
    const certs = [await der(pki.intermediate.certDer), await der(pki.root.certDer)];
    return concat(bytes, (await prepareDssUpdate(await open(bytes), { certs, ocsps, crls })).bytes);
  }

  async function validate(bytes: Uint8Array): Promise<FileReport> {
    return validatePdf(bytesSource(bytes), { trustAnchors: [await der(pki.root.certDer)], systemTrust: false, online: false });
  }

  before(async () => {
    if (skip) return;
    dir = await mkdtemp(join(tmpdir(), 'paraphe-verify-ts-'));
    bed = await startSigningBed(dir);
    ({ pki, ocsp, tsa, pdfs } = bed);
  });

  after(async () => {
    await Promise.allSettled(extraTsas.map((t) => t.stop()));
    await bed?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a TSA outside the trust anchors: timestamp not valid, level B-B, INDETERMINATE; trusting its root makes it B-T VALID', { skip }, async () => {
    const foreignDir = join(dir, 'foreign');
    await mkdir(foreignDir);
    const identity = await createForeignTsaIdentity(foreignDir);
    const other = await tsaWith(identity);
    const file = await sign('foreign-tsa', ['--level', 'B-T', '--tsa', other.url]);

    const { result, json } = await verify(file);
    const sig = json.signatures[0];
    assert.equal(sig?.intact, true);
    assert.equal(sig?.signatureValid, true);
    assert.equal(sig?.trusted, true, 'the signer itself is trusted');
    assert.equal(sig?.timestamp?.valid, false, JSON.stringify(sig));
    assert.match(sig?.timestamp?.tsa ?? '', /Other Time Stamping Authority/);
    assert.ok(codes(json).includes('TIMESTAMP_UNTRUSTED'), JSON.stringify(sig));
    assert.equal(sig?.level, 'B-B', 'an untrusted timestamp gives no B-T');
    assert.equal(sig?.status, 'INDETERMINATE');
    assert.equal(result.code, 1);

    const trusted = await verify(file, [...trust(), '--trust', identity.rootPem ?? '']);
    const again = trusted.json.signatures[0];
    assert.equal(again?.timestamp?.valid, true, JSON.stringify(again));
    assert.equal(again?.level, 'B-T');
    assert.equal(again?.status, 'VALID', JSON.stringify(again));
    assert.equal(trusted.result.code, 0);
  });

  it('a TSA certificate revoked before the timestamp (--online): TIMESTAMP_REVOKED, timestamp not valid, INDETERMINATE', { skip }, async () => {
    const { cert, identity } = await pkiTsaIdentity('Revoked TSA');
    await revokeCertificate(pki, cert);
    await ocsp.refresh();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the timestamp comes strictly after the revocation
    const other = await tsaWith(identity);
    const file = await sign('revoked-tsa', ['--level', 'B-T', '--tsa', other.url]);

    // Offline nothing says the TSA was revoked: not checked, as for the signer.
    const offline = await verify(file);
    assert.equal(offline.json.signatures[0]?.timestamp?.valid, true, JSON.stringify(offline.json));
    assert.ok(!codes(offline.json).includes('TIMESTAMP_REVOKED'));

    const { result, json } = await verify(file, [...trust(), '--online']);
    const sig = json.signatures[0];
    assert.equal(sig?.revocation, 'good', 'the signer is not revoked');
    assert.ok(codes(json).includes('TIMESTAMP_REVOKED'), JSON.stringify(sig));
    assert.equal(sig?.timestamp?.valid, false);
    assert.equal(sig?.level, 'B-B');
    assert.equal(sig?.status, 'INDETERMINATE');
    assert.equal(result.code, 1);
  });

  it('a TSA certificate revoked after the timestamp (--online): the timestamp stands, VALID', { skip }, async () => {
    const { cert, identity } = await pkiTsaIdentity('Later Revoked TSA');
    const other = await tsaWith(identity);
    const file = await sign('later-revoked-tsa', ['--level', 'B-T', '--tsa', other.url]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await revokeCertificate(pki, cert);
    await ocsp.refresh();
    const { result, json } = await verify(file, [...trust(), '--online']);
    const sig = json.signatures[0];
    assert.equal(sig?.timestamp?.valid, true, JSON.stringify(sig));
    assert.ok(!codes(json).includes('TIMESTAMP_REVOKED'));
    assert.equal(sig?.level, 'B-T');
    assert.equal(sig?.status, 'VALID', JSON.stringify(sig));
    assert.equal(result.code, 0);
  });

  it('revocation freshness: OCSP data issued and expired before the signature is not applicable (REVOCATION_NOT_FRESH)', { skip }, async () => {
    const file = await sign('fresh-bt', ['--level', 'B-T', '--tsa', tsa.url]);
    const now = Date.now();
    const tsaOcsp = await craftOcspResponse(pki, pki.tsa, { thisUpdate: new Date(now - 2 * MINUTE), nextUpdate: new Date(now + 60 * MINUTE) });

    // Issued 30 min before signing, expired 20 min before: says nothing about the signing time.
    const stale = await craftOcspResponse(pki, pki.signer, { thisUpdate: new Date(now - 30 * MINUTE), nextUpdate: new Date(now - 20 * MINUTE) });
    const staleFile = join(dir, 'stale-dss.pdf');
    await writeFile(staleFile, await withDss(file, [stale, tsaOcsp]));
    const { result, json } = await verify(staleFile);
    const sig = json.signatures[0];
    assert.equal(sig?.revocation, 'unknown', JSON.stringify(sig));
    assert.ok(codes(json).includes('REVOCATION_NOT_FRESH'), JSON.stringify(sig));
    assert.equal(sig?.level, 'B-T', 'stale data gives no B-LT');
    assert.equal(sig?.status, 'INDETERMINATE');
    assert.equal(result.code, 1);

    // The same without nextUpdate: no promise that it was current at the signing time.
    const open30 = await craftOcspResponse(pki, pki.signer, { thisUpdate: new Date(now - 30 * MINUTE) });
    const openReport = await validate(await withDss(file, [open30, tsaOcsp]));
    assert.equal(openReport.signatures[0]?.revocation, 'unknown');
    assert.ok(codes(openReport).includes('REVOCATION_NOT_FRESH'));

    // Issued before signing but still current then (nextUpdate after it), like a daily CRL: applicable.
    const current = await craftOcspResponse(pki, pki.signer, { thisUpdate: new Date(now - 30 * MINUTE), nextUpdate: new Date(now + 30 * MINUTE) });
    const currentReport = await validate(await withDss(file, [current, tsaOcsp]));
    assert.equal(currentReport.signatures[0]?.revocation, 'good', JSON.stringify(currentReport.signatures[0]?.revocationSources));
    assert.equal(currentReport.signatures[0]?.level, 'B-LT');
    assert.equal(currentReport.signatures[0]?.status, 'VALID', JSON.stringify(currentReport.signatures[0]?.reasons));

    // Issued after signing, expired since (archived data): applicable, judged on a later day.
    const later = await craftOcspResponse(pki, pki.signer, { thisUpdate: new Date(now + 2 * MINUTE), nextUpdate: new Date(now + 3 * MINUTE) });
    const laterBytes = await withDss(file, [later, tsaOcsp]);
    const laterReport = await validatePdf(bytesSource(laterBytes), {
      trustAnchors: [await der(pki.root.certDer)], systemTrust: false, online: false, now: new Date(now + 24 * 60 * MINUTE),
    });
    assert.equal(laterReport.signatures[0]?.revocation, 'good', JSON.stringify(laterReport.signatures[0]?.reasons));
    assert.equal(laterReport.signatures[0]?.level, 'B-LT');

    // Dated in the future (premature): refused.
    const future = await craftOcspResponse(pki, pki.signer, { thisUpdate: new Date(now + 60 * MINUTE), nextUpdate: new Date(now + 120 * MINUTE) });
    const futureReport = await validate(await withDss(file, [future, tsaOcsp]));
    assert.equal(futureReport.signatures[0]?.revocation, 'unknown');
    assert.ok(codes(futureReport).includes('REVOCATION_NOT_YET_VALID'), JSON.stringify(futureReport.signatures[0]?.reasons));

    // A revocation is applicable whenever it was published: revoked before the timestamp, INVALID.
    const revoked = await craftOcspResponse(pki, pki.signer, { thisUpdate: new Date(now - 30 * MINUTE), status: 'revoked', revokedAt: new Date(now - 40 * MINUTE) });
    const revokedReport = await validate(await withDss(file, [revoked, tsaOcsp]));
    assert.equal(revokedReport.signatures[0]?.revocation, 'revoked');
    assert.equal(revokedReport.signatures[0]?.status, 'INVALID');
  });

  it('revocation freshness for the TSA: stale data about the TSA certificate leaves the signature INDETERMINATE', { skip }, async () => {
    const file = await sign('fresh-tsa', ['--level', 'B-T', '--tsa', tsa.url]);
    const now = Date.now();
    const signerOcsp = await craftOcspResponse(pki, pki.signer, { thisUpdate: new Date(now + MINUTE), nextUpdate: new Date(now + 60 * MINUTE) });
    const staleTsa = await craftOcspResponse(pki, pki.tsa, { thisUpdate: new Date(now - 30 * MINUTE), nextUpdate: new Date(now - 20 * MINUTE) });
    const report = await validate(await withDss(file, [signerOcsp, staleTsa]));
    const sig = report.signatures[0];
    assert.equal(sig?.revocation, 'good', 'the signer answer is fresh');
    assert.ok(codes(report).includes('TIMESTAMP_REVOCATION_UNKNOWN'), JSON.stringify(sig?.reasons));
    assert.equal(sig?.timestamp?.valid, true, 'the TSA chain is trusted; only its revocation is unknown');
    assert.equal(sig?.level, 'B-T', 'no B-LT without usable validation data for the TSA');
    assert.equal(sig?.status, 'INDETERMINATE');
  });

  it('document timestamp levels: B-LT with its TSA data in the DSS, B-LTA once a later document timestamp covers it; none when untrusted', { skip }, async () => {
    const lta = await sign('doc-ts-lta', ['--level', 'B-LTA', '--tsa', tsa.url]);
    const first = await verify(lta);
    const [signature, docTs] = first.json.signatures;
    assert.equal(signature?.level, 'B-LTA');
    assert.equal(docTs?.kind, 'doc-timestamp');
    assert.equal(docTs?.timestamp?.valid, true);
    // The DSS written before it holds the revocation data of the same TSA, still current at its time.
    assert.equal(docTs?.level, 'B-LT', JSON.stringify(docTs));
    assert.equal(docTs?.status, 'VALID', JSON.stringify(docTs));

    // Signing again at B-LTA adds a DSS and a second document timestamp after the first.
    const twice = await sign('doc-ts-lta-twice', ['--level', 'B-LTA', '--tsa', tsa.url], lta);
    const second = await verify(twice);
    const kinds = second.json.signatures.map((s) => `${s.kind}:${s.level}:${s.status}`);
    assert.deepEqual(kinds, ['approval:B-LTA:VALID', 'doc-timestamp:B-LTA:VALID', 'approval:B-LTA:VALID', 'doc-timestamp:B-LT:VALID'], JSON.stringify(second.json));

    // Without the test root, the document timestamps are untrusted: no level.
    const untrusted = await verify(lta, ['--no-system-trust']);
    assert.equal(untrusted.json.signatures[1]?.level, 'none');
    assert.equal(untrusted.json.signatures[1]?.timestamp?.valid, false);
    assert.ok(codes(untrusted.json, 1).includes('TIMESTAMP_UNTRUSTED'));
  });
});
