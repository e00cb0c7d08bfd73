// A summary of a PDF for `paraphe info` and the document service: version, pages, encryption,
// signatures, revisions. Reads only the tail, the xref sections and the few objects involved.
import { UNNAMED, isPdfError } from './errors';
import type { OpenOptions, PdfReader } from './reader';
import { withRepair } from './repair';
import type { Damage } from './repair';
import type { ByteSource } from './source';

export interface EncryptionSummary {
  /** /Filter: "Standard" (passwords) or "Adobe.PubSec" (certificates)... */
  readonly filter: string;
  readonly v: number;
  readonly r: number;
  readonly keyBits: number | null;
  /** "AES-256", "AES-128", "RC4-128", "RC4-40" or "unknown". */
  readonly algorithm: string;
  /** The empty user password opens it (true), it needs a password (false), or we cannot tell (null). */
  readonly opensWithoutPassword: boolean | null;
}

export interface SignatureEntry {
  /** The field's full name ("(encrypted)" when the name is encrypted and the password unknown). */
  readonly field: string;
  readonly subFilter: string | null;
  readonly kind: 'signature' | 'doc-timestamp';
  /** 1-based revision whose end the /ByteRange reaches, null if it ends elsewhere. */
  readonly revision: number | null;
}

export interface PdfSummary {
  readonly size: number;
  readonly pdfVersion: string;
  /** Null when the page tree cannot be read without the password. */
  readonly pageCount: number | null;
  readonly encrypted: boolean;
  readonly encryption: EncryptionSummary | null;
  /** A first-page cross-reference section whose linearization dictionary's /L is the file size. */
  readonly linearized: boolean;
  /** Kind of the newest cross-reference section. */
  readonly xref: 'table' | 'stream' | 'hybrid';
  readonly revisionCount: number;
  /** Signature fields, signed or not. */
  readonly signatureFields: number;
  /** Signed /Sig fields, document timestamps included; 0 if unknown. */
  readonly signatureCount: number;
  readonly docTimestampCount: number;
  /** At least one signature (null when the form cannot be read without the password). */
  readonly signed: boolean | null;
  /** Oldest first. */
  readonly signatures: readonly SignatureEntry[];
  /** Oddities that did not prevent reading (a wrong /Length...). */
  readonly warnings: readonly string[];
  /**
   * The file is damaged (a broken cross-reference, a broken object stream...) and carries no
   * signature: what the reader refused. The rest of the summary describes the repaired copy,
   * which is what signing signs. Null for a sound file.
   */
  readonly damage: Damage | null;
}

/** Inspects a PDF. The caller keeps ownership of `source` (it is not closed). */
export async function inspectPdf(source: ByteSource, options: OpenOptions = {}): Promise<PdfSummary> {
  const { result, repaired } = await withRepair(source, { ...options, name: options.name ?? source.name ?? UNNAMED }, summarize);
  // The size is the file's; everything else describes the copy signing would sign.
  return repaired ? { ...result, size: source.size, damage: repaired.damage } : result;
}

async function unlessEncrypted<T>(work: () => Promise<T>): Promise<T | null> {
  try {
    return await work();
  } catch (error) {
    if (isPdfError(error, 'encrypted')) return null;
    throw error;
  }
}

export async function summarize(reader: PdfReader): Promise<PdfSummary> {
  const pageCount = await unlessEncrypted(() => reader.pageCount());
  const fields = await unlessEncrypted(() => reader.fields());
  const sigFields = (fields ?? []).filter((f) => f.type === 'Sig');
  const signatures = sigFields
    .flatMap((f) => (f.hasValue && f.signature ? [{ field: f, sig: f.signature }] : []))
    .map(({ field: f, sig }) => {
      const kind = sig.type === 'DocTimeStamp' || sig.subFilter === 'ETSI.RFC3161' ? ('doc-timestamp' as const) : ('signature' as const);
      const range = sig.byteRange;
      const end = range && range.length === 4 ? (range[2] as number) + (range[3] as number) : null;
      const revision = end === null ? null : (reader.revisionEndingAt(end)?.number ?? null);
      return { field: f.name ?? '(encrypted)', subFilter: sig.subFilter, kind, revision, end: end ?? Infinity };
    })
    .sort((a, b) => a.end - b.end)
    .map(({ end: _end, ...entry }) => entry);

  const encryption = reader.encryption;
  const newest = reader.sections[0];
  const lengthValue = reader.linearization?.get('L');
  return {
    size: reader.size,
    pdfVersion: await reader.version(),
    pageCount,
    encrypted: reader.isEncrypted,
    encryption: encryption && {
      filter: encryption.filter,
      v: encryption.v,
      r: encryption.r,
      keyBits: encryption.keyBits,
      algorithm: encryption.algorithm,
      opensWithoutPassword: encryption.filter === 'Standard' ? reader.opensWithoutPassword : null,
    },
    linearized: typeof lengthValue === 'number' && lengthValue === reader.size,
    xref: !newest || newest.kind === 'stream' ? 'stream' : newest.xrefStream ? 'hybrid' : 'table',
    revisionCount: reader.revisions.length,
    signatureFields: sigFields.length,
    signatureCount: signatures.length,
    docTimestampCount: signatures.filter((s) => s.kind === 'doc-timestamp').length,
    signed: fields === null ? null : signatures.length > 0,
    signatures,
    warnings: [...reader.warnings],
    damage: null,
  };
}
