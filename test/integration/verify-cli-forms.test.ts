// `paraphe verify` on forms: a ReportLab form signed by `paraphe sign` (approval, or certification
// with DocMDP P=1 / P=2), then a field filled in an incremental update the way a PDF editor does
// (field /V and a new widget appearance), then verified by the CLI as a process and by pdfsig.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { missingTools } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import { hasReportLab, makeFormPdf } from '../fixtures/forms';
import { P12_ENV, p12Args, paraphe, startSigningBed } from '../fixtures/signing-bed';
import type { CliResult, SigningBed } from '../fixtures/signing-bed';
import { signWithPdfsig, verifyWithPdfsig } from '../fixtures/signed-by-poppler';
import { fillTextField, open } from '../unit/helpers/pdf-edit';
import type { VerifyJson } from '../../main/cli/verify';

const missing = missingTools('openssl', 'qpdf', 'gs', 'pdfsig', 'certutil', 'pk12util');
const reportLab = await hasReportLab();
const skip = missing.length > 0 ? `missing tools: ${missing.join(', ')}` : !reportLab ? 'python3-reportlab is not installed' : false;

describe('paraphe verify: form filling after approval and certification signatures', { timeout: 300_000 }, () => {
  let dir: string;
  let bed: SigningBed | undefined;
  let pki: TestPki;
  let form: string;
  const p12 = () => p12Args(pki.p12.signer);

  async function verify(file: string): Promise<{ result: CliResult; json: VerifyJson }> {
    const result = await paraphe(['verify', file, '--json', '--trust', pki.root.certPem, '--no-system-trust']);
    assert.equal(result.stderr, '', result.stderr);
    return { result, json: JSON.parse(result.stdout) as VerifyJson };
  }

  async function sign(input: string, name: string, args: string[] = []): Promise<string> {
    const out = join(dir, `${name}.pdf`);
    const result = await paraphe(['sign', input, '-o', out, ...p12(), ...args], P12_ENV);
    assert.equal(result.code, 0, result.stderr);
    return out;
  }

  /** The signed file with field "city" filled in a new incremental update. */
  async function fillCity(input: string, name: string, value = 'Marseille'): Promise<string> {
    const bytes = new Uint8Array(await readFile(input));
    const filled = await fillTextField(bytes, 'city', value);
    const out = join(dir, `${name}.pdf`);
    await writeFile(out, filled);
    // The update really is one more revision, and the value is there.
    const reader = await open(filled);
    assert.equal(reader.revisions.length, (await open(bytes)).revisions.length + 1);
    const city = (await reader.fields()).find((f) => f.name === 'city');
    assert.ok(city?.hasValue);
    return out;
  }

  const codes = (json: VerifyJson, i = 0) => (json.signatures[i]?.reasons ?? []).map((r) => r.code);

  before(async () => {
    if (skip) return;
    dir = await mkdtemp(join(tmpdir(), 'paraphe-verify-forms-'));
    bed = await startSigningBed(dir);
    pki = bed.pki;
    form = await makeFormPdf(dir);
  });

  after(async () => {
    await bed?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('approval signature, then a field filled: VALID, modifications form-filling; pdfsig agrees', { skip }, async () => {
    const signed = await sign(form, 'approval');
    const before = await verify(signed);
    assert.equal(before.json.signatures[0]?.modifications, 'none');
    const filled = await fillCity(signed, 'approval-filled');
    const { result, json } = await verify(filled);
    const sig = json.signatures[0];
    assert.equal(sig?.kind, 'approval');
    assert.equal(sig?.intact, true);
    assert.equal(sig?.coversWholeFile, false);
    assert.equal(sig?.modifications, 'form-filling', JSON.stringify(sig));
    assert.equal(sig?.status, 'VALID', JSON.stringify(sig));
    assert.equal(json.verdict, 'VALID');
    assert.equal(result.code, 0);

    const poppler = await verifyWithPdfsig(filled, { pki });
    assert.equal(poppler.signatures.length, 1, poppler.output);
    assert.equal(poppler.signatures[0]?.signatureValidation, 'Signature is Valid.', poppler.output);
    assert.equal(poppler.signatures[0]?.totalDocumentSigned, false, 'pdfsig sees that the signature does not cover the last update');
  });

  it('certification P=1 (no changes), then a field filled: INVALID, MODIFIED_NOT_ALLOWED', { skip }, async () => {
    const signed = await sign(form, 'certified-p1', ['--certify', 'no-changes']);
    const untouched = await verify(signed);
    assert.equal(untouched.json.signatures[0]?.kind, 'certification');
    assert.equal(untouched.json.verdict, 'VALID', JSON.stringify(untouched.json));
    const filled = await fillCity(signed, 'certified-p1-filled');
    const { result, json } = await verify(filled);
    const sig = json.signatures[0];
    assert.equal(sig?.kind, 'certification');
    assert.equal(sig?.intact, true, 'the certified revision itself is intact');
    assert.equal(sig?.signatureValid, true);
    assert.equal(sig?.modifications, 'form-filling', JSON.stringify(sig));
    assert.equal(sig?.status, 'INVALID', JSON.stringify(sig));
    assert.ok(codes(json).includes('MODIFIED_NOT_ALLOWED'), JSON.stringify(sig));
    assert.equal(json.verdict, 'INVALID');
    assert.equal(result.code, 1);

    // pdfsig checks the signed bytes, not DocMDP: on its own terms the signature still verifies.
    const poppler = await verifyWithPdfsig(filled, { pki });
    assert.equal(poppler.signatures[0]?.signatureValidation, 'Signature is Valid.', poppler.output);
    assert.equal(poppler.signatures[0]?.totalDocumentSigned, false);
  });

  it('certification P=2 (form filling), then a field filled: VALID form-filling; a second approval signature stays VALID', { skip }, async () => {
    const signed = await sign(form, 'certified-p2', ['--certify', 'form-filling']);
    const filled = await fillCity(signed, 'certified-p2-filled');
    const { result, json } = await verify(filled);
    const sig = json.signatures[0];
    assert.equal(sig?.kind, 'certification');
    assert.equal(sig?.modifications, 'form-filling', JSON.stringify(sig));
    assert.equal(sig?.status, 'VALID', JSON.stringify(sig));
    assert.equal(result.code, 0);

    // A second (approval) signature after the certification and the filled field.
    const second = await sign(filled, 'certified-p2-second');
    const both = await verify(second);
    assert.equal(both.json.signatures.length, 2, JSON.stringify(both.json));
    const [certification, approval] = both.json.signatures;
    assert.equal(certification?.kind, 'certification');
    assert.equal(certification?.modifications, 'form-filling');
    assert.equal(certification?.status, 'VALID', JSON.stringify(certification));
    assert.equal(approval?.kind, 'approval');
    assert.equal(approval?.coversWholeFile, true);
    assert.equal(approval?.modifications, 'none');
    assert.equal(approval?.status, 'VALID', JSON.stringify(approval));
    assert.equal(both.json.verdict, 'VALID');
    assert.equal(both.result.code, 0);

    const poppler = await verifyWithPdfsig(second, { pki });
    assert.equal(poppler.signatures.length, 2, poppler.output);
    assert.ok(poppler.signatures.every((s) => s.signatureValidation === 'Signature is Valid.'), poppler.output);
    assert.equal(poppler.signatures.filter((s) => s.totalDocumentSigned).length, 1, poppler.output);
  });

  it('certification P=1: paraphe refuses a second signature; one added by pdfsig makes the certification INVALID', { skip }, async () => {
    const signed = await sign(form, 'certified-p1-again', ['--certify', 'no-changes']);
    const out = join(dir, 'certified-p1-second.pdf');
    const attempt = await paraphe(['sign', signed, '-o', out, ...p12()], P12_ENV);
    // paraphe respects DocMDP: it refuses to sign a document certified with "no changes".
    assert.notEqual(attempt.code, 0, 'paraphe sign must refuse a second signature under P=1');
    assert.match(attempt.stderr + attempt.stdout, /certif|DocMDP|no changes|not allow/i);

    // poppler does not look at DocMDP: its approval signature is a change P=1 forbids.
    const popplerSigned = await signWithPdfsig(signed, join(dir, 'certified-p1-poppler.pdf'), pki, { fieldName: 'Poppler' });
    const { result, json } = await verify(popplerSigned);
    const [certification, approval] = json.signatures;
    assert.equal(certification?.kind, 'certification');
    assert.equal(certification?.modifications, 'form-filling', JSON.stringify(certification));
    assert.equal(certification?.status, 'INVALID', JSON.stringify(certification));
    assert.ok(codes(json).includes('MODIFIED_NOT_ALLOWED'));
    assert.equal(approval?.field, 'Poppler');
    assert.equal(approval?.intact, true);
    assert.equal(approval?.status, 'VALID', JSON.stringify(approval));
    assert.equal(json.verdict, 'INVALID');
    assert.equal(result.code, 1);
  });
});
