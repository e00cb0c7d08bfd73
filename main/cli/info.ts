// `paraphe info FILE.pdf... [--json]`: what a PDF is made of, without opening a viewer.
import { PdfError, fileSource, inspectPdf } from '../pdf';
import type { PdfSummary } from '../pdf';
import { AppError, msg, wordError } from '../errors';
import type { UserFacingError } from '../errors';
import type { MessageLocale } from '../../preload/contract/messages';

export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** The language of messages on stderr (--lang, else the system locale); English when absent. */
  readonly locale?: MessageLocale;
}

/** The --json shape of one file; keys are stable. */
export interface InfoJson {
  file: string;
  size: number;
  pdfVersion: string;
  pageCount: number | null;
  encrypted: boolean;
  encryption: PdfSummary['encryption'];
  signed: boolean | null;
  signatureFields: number;
  signatureCount: number;
  docTimestampCount: number;
  revisionCount: number;
  linearized: boolean;
  xref: PdfSummary['xref'];
  signatures: PdfSummary['signatures'];
  warnings: readonly string[];
  /** A damaged file (repairable: it carries no signature): what is wrong; null for a sound file. */
  damaged: { code: string; message: string } | null;
}

export interface InfoError {
  file: string;
  error: { code: string; message: string };
}

export function toJson(file: string, s: PdfSummary): InfoJson {
  return {
    file,
    size: s.size,
    pdfVersion: s.pdfVersion,
    pageCount: s.pageCount,
    encrypted: s.encrypted,
    encryption: s.encryption,
    signed: s.signed,
    signatureFields: s.signatureFields,
    signatureCount: s.signatureCount,
    docTimestampCount: s.docTimestampCount,
    revisionCount: s.revisionCount,
    linearized: s.linearized,
    xref: s.xref,
    signatures: s.signatures,
    warnings: s.warnings,
    damaged: s.damage ? { code: s.damage.code, message: s.damage.english } : null,
  };
}

function encryptionText(s: PdfSummary): string {
  const e = s.encryption;
  if (!e) return 'none';
  const algorithm = e.algorithm === 'unknown' ? `${e.filter} V${e.v} R${e.r}` : e.algorithm;
  if (e.filter !== 'Standard') return `${algorithm} (${e.filter === 'Adobe.PubSec' ? 'certificate security' : `${e.filter} security handler`})`;
  if (e.opensWithoutPassword === true) return `${algorithm} (opens without a password)`;
  if (e.opensWithoutPassword === false) return `${algorithm} (password required to open)`;
  return algorithm;
}

export function formatText(file: string, s: PdfSummary): string {
  const rows: [string, string][] = [
    ['file', file],
    ['PDF version', s.pdfVersion],
    ['pages', s.pageCount === null ? 'unknown (encrypted: the password is needed)' : String(s.pageCount)],
    ['encryption', encryptionText(s)],
    ['signed', s.signed === null ? 'unknown (encrypted: the password is needed)' : s.signed ? 'yes' : 'no'],
    ['signatures', `${s.signatureCount} (doc timestamps: ${s.docTimestampCount})`],
  ];
  const lines = rows.map(([label, value]) => `${`${label}:`.padEnd(17)}${value}`);
  const width = Math.max(0, ...s.signatures.map((sig) => sig.field.length));
  for (const sig of s.signatures) {
    const what = sig.kind === 'doc-timestamp' ? 'document timestamp' : 'signature';
    const where = sig.revision === null ? 'ends at no revision boundary' : `covers revisions 1-${sig.revision} of ${s.revisionCount}`;
    lines.push(`  ${sig.field.padEnd(width)}  ${what}, ${sig.subFilter ?? 'no /SubFilter'}, ${where}`);
  }
  if (s.signatureFields > s.signatureCount) lines.push(`  (${s.signatureFields - s.signatureCount} empty signature field${s.signatureFields - s.signatureCount === 1 ? '' : 's'})`);
  for (const [label, value] of [
    ['revisions', String(s.revisionCount)],
    ['linearized', s.linearized ? 'yes' : 'no'],
    ['cross-reference', s.xref === 'hybrid' ? 'hybrid (table and stream)' : s.xref],
  ] as const) {
    lines.push(`${`${label}:`.padEnd(17)}${value}`);
  }
  if (s.damage) lines.push(`${'damaged:'.padEnd(17)}yes: ${s.damage.english} (repairable: signing signs a repaired copy; the figures above describe it)`);
  for (const warning of s.warnings) lines.push(`warning: ${warning}`);
  return `${lines.join('\n')}\n`;
}

function errorOf(file: string, error: unknown): UserFacingError {
  if (error instanceof PdfError) return error;
  return new AppError('internal', msg('error.app.info-unreadable', { file, detail: error instanceof Error ? error.message : String(error) }));
}

/**
 * Runs `info`; returns the exit code (0, or 1 if a file could not be read). `password`: of the
 * encrypted files (--pdf-password-env), to read their pages and signatures too.
 */
export async function runInfo(files: readonly string[], json: boolean, io: Output, options: { password?: string } = {}): Promise<number> {
  const results: (InfoJson | InfoError)[] = [];
  let printed = 0;
  let failed = false;
  for (const file of files) {
    let source;
    try {
      source = await fileSource(file);
      const summary = await inspectPdf(source, { password: options.password });
      if (json) {
        results.push(toJson(file, summary));
      } else {
        // Print as we go: a later failure does not hide earlier output. A blank line between files.
        io.out(`${printed > 0 ? '\n' : ''}${formatText(file, summary)}`);
        printed++;
      }
    } catch (error) {
      failed = true;
      // stderr in the CLI's language; --json keeps the English message (scripts read it).
      const shown = errorOf(file, error);
      io.err(`paraphe: ${wordError(io.locale ?? 'en', shown)}\n`);
      if (json) results.push({ file, error: { code: shown.code, message: shown.message } });
    } finally {
      await source?.close().catch(() => undefined);
    }
  }
  if (json) {
    if (files.length === 1) {
      const only = results[0];
      if (only && !('error' in only)) io.out(`${JSON.stringify(only, null, 2)}\n`);
    } else {
      io.out(`${JSON.stringify(results, null, 2)}\n`);
    }
  }
  return failed ? 1 : 0;
}
