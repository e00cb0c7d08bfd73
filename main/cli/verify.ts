// `paraphe verify FILE.pdf... [--trust CERT.pem]... [--no-system-trust] [--online] [--json]`:
// checks every signature and document timestamp and says, in plain words, whether each holds.
// Exit codes: 0 all valid, 1 any invalid or indeterminate, 2 unreadable input, 3 no signature.
import { readFile } from 'node:fs/promises';
import { parseCertificate, pemBlocks } from '../cms';
import { fileSource } from '../pdf';
import { isUserFacing, msg, wordError } from '../errors';
import { validatePdf } from '../validation/validate';
import type { FileReport, SignatureReport } from '../validation/validate';
import type { Output } from './info';
import type { VerifyCommand } from './args';
import { UsageError } from './args';

/** The --json shape of one signature; keys as issue 4 specifies them. */
export interface VerifySignatureJson {
  field: string | null;
  kind: SignatureReport['kind'];
  signer: { subject: string; issuer: string; serial: string } | null;
  signedAt: string | null;
  timestamp: { time: string; tsa: string; valid: boolean } | null;
  intact: boolean;
  signatureValid: boolean;
  trusted: boolean;
  revocation: SignatureReport['revocation'];
  coversWholeFile: boolean;
  revision: number | null;
  modifications: SignatureReport['modifications'];
  level: SignatureReport['level'];
  status: SignatureReport['status'];
  reasons: { code: string; message: string }[];
}

export interface VerifyJson {
  file: string;
  verdict: FileReport['verdict'];
  signatures: VerifySignatureJson[];
}

export function toVerifyJson(report: FileReport): VerifyJson {
  return {
    file: report.file,
    verdict: report.verdict,
    signatures: report.signatures.map((s) => ({
      field: s.field,
      kind: s.kind,
      signer: s.signer ? { subject: s.signer.subject, issuer: s.signer.issuer, serial: s.signer.serial } : null,
      signedAt: s.signedAt,
      timestamp: s.timestamp ? { time: s.timestamp.time, tsa: s.timestamp.tsa, valid: s.timestamp.valid } : null,
      intact: s.intact,
      signatureValid: s.signatureValid,
      trusted: s.trusted,
      revocation: s.revocation,
      coversWholeFile: s.coversWholeFile,
      revision: s.revision,
      modifications: s.modifications,
      level: s.level,
      status: s.status,
      reasons: s.reasons.map((r) => ({ code: r.code, message: r.message })),
    })),
  };
}

/** The certificates of a --trust file: every PEM CERTIFICATE block, or the whole file as DER. */
export function certificatesOf(bytes: Uint8Array): Uint8Array[] {
  const blocks = pemBlocks(bytes, 'CERTIFICATE');
  return blocks.length > 0 ? blocks : [bytes];
}

const when = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');

const STATUS_WORDS: Record<SignatureReport['status'], string> = {
  VALID: 'valid',
  INVALID: 'INVALID',
  INDETERMINATE: 'cannot be confirmed',
};

const VERDICT_WORDS: Record<FileReport['verdict'], string> = {
  VALID: 'every signature is valid',
  INVALID: 'at least one signature is INVALID',
  INDETERMINATE: 'at least one signature cannot be confirmed',
  NO_SIGNATURES: 'this document is not signed',
};

const MODIFICATION_WORDS: Record<SignatureReport['modifications'], string> = {
  none: 'The document has not been changed since.',
  'dss-timestamps': 'Since then, only validation data and timestamps were added.',
  'form-filling': 'Since then, form fields were filled in or other signatures added.',
  annotations: 'Since then, comments (annotations) were added.',
  other: 'The document was changed after this signature.',
};

export function describe(report: FileReport): string {
  const lines = [`${report.file}: ${report.verdict} (${VERDICT_WORDS[report.verdict]})`];
  report.signatures.forEach((s, i) => {
    const what = s.kind === 'doc-timestamp' ? 'Document timestamp' : s.kind === 'certification' ? 'Certification signature' : 'Signature';
    lines.push(`  ${i + 1}. ${what}${s.field ? ` "${s.field}"` : ''}: ${STATUS_WORDS[s.status]}`);
    if (s.signer) {
      const by = s.kind === 'doc-timestamp' ? 'Timestamp authority' : 'Signed by';
      lines.push(`     ${by}: ${s.signer.name} (certificate issued by ${s.signer.issuerName})`);
    }
    if (s.kind !== 'doc-timestamp' && s.signedAt) lines.push(`     Signing time stated by the signer: ${when(s.signedAt)}`);
    if (s.timestamp) {
      lines.push(s.timestamp.valid
        ? `     Time certified by a timestamp from ${s.timestamp.tsa}: ${when(s.timestamp.time)}`
        : `     A timestamp from ${s.timestamp.tsa} says ${when(s.timestamp.time)}, but it could not be confirmed`);
    } else if (s.kind !== 'doc-timestamp') {
      lines.push('     The signing time is not certified (no timestamp).');
    }
    lines.push(`     Content: ${s.intact ? 'unchanged since signing' : 'NOT the content that was signed'}; signature ${s.signatureValid ? 'matches the certificate' : 'does NOT match the certificate'}`);
    lines.push(`     Signer identity: ${s.trusted ? 'confirmed by a trusted authority' : 'not confirmed (certificate not trusted)'}`);
    const revocation = { good: 'not cancelled (checked)', revoked: 'CANCELLED (revoked)', unknown: 'could not be checked', 'not-checked': 'not checked (no data in the document; try --online)' }[s.revocation];
    lines.push(`     Certificate cancelled? ${revocation}`);
    lines.push(`     ${s.coversWholeFile ? 'Covers the whole file.' : `Covers version ${s.revision ?? '?'} of the document. ${MODIFICATION_WORDS[s.modifications]}`}`);
    if (s.level !== 'none') lines.push(`     PAdES level: ${s.level}`);
    for (const r of s.reasons) lines.push(`     - ${r.message}`);
  });
  return `${lines.join('\n')}\n`;
}

export async function runVerify(command: VerifyCommand, io: Output, options: { userAnchors?: readonly Uint8Array[]; password?: string } = {}): Promise<number> {
  const trustAnchors: Uint8Array[] = [...(options.userAnchors ?? [])];
  for (const file of command.trust) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch {
      throw new UsageError(msg('error.usage.trust-unreadable', { file }), 'verify');
    }
    for (const cert of certificatesOf(bytes)) {
      try {
        parseCertificate(cert);
      } catch {
        throw new UsageError(msg('error.usage.trust-not-certificate', { file }), 'verify');
      }
      trustAnchors.push(cert);
    }
  }
  let unreadable = false;
  let notValid = false;
  let unsigned = false;
  for (const file of command.files) {
    let report: FileReport;
    try {
      const source = await fileSource(file);
      try {
        report = await validatePdf(source, { trustAnchors, systemTrust: command.systemTrust, online: command.online, password: options.password });
      } finally {
        await source.close();
      }
    } catch (error) {
      unreadable = true;
      const code = isUserFacing(error) ? error.code : 'internal';
      const message = error instanceof Error ? error.message : String(error);
      io.err(`paraphe: ${wordError(io.locale ?? 'en', error)}\n`);
      if (command.json) io.out(`${JSON.stringify({ file, error: { code, message } })}\n`);
      continue;
    }
    report.file = file;
    if (report.verdict === 'NO_SIGNATURES') unsigned = true;
    else if (report.verdict !== 'VALID') notValid = true;
    io.out(command.json ? `${JSON.stringify(toVerifyJson(report))}\n` : describe(report));
  }
  if (unreadable) return 2;
  if (notValid) return 1;
  if (unsigned) return 3;
  return 0;
}
