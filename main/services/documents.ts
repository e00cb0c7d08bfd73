// Open documents: main reads the file lazily and serves byte ranges to the viewer (pdf.js range
// transport), so a 200 MB or 1,000-page file opens as fast as a small one and is never copied
// whole across the IPC boundary. The input file is only ever read.
import { randomBytes } from 'node:crypto';
import { open as openFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { DocumentSummary, DocumentValidation, SignatureValidation } from '../../preload/contract/schemas';
import { AppError } from '../errors';
import { bytesSource, fileSource, inspectPdf } from '../pdf';
import type { ByteSource } from '../pdf';
import { validatePdf } from '../validation/validate';
import type { SignatureReport } from '../validation/validate';
import type { SettingsService } from './settings';

interface OpenDocument {
  summary: DocumentSummary;
  source: ByteSource;
}

const MAX_OPEN = 16;

export class DocumentService {
  private readonly open = new Map<string, OpenDocument>();

  constructor(private readonly settings: SettingsService) {}

  async openPath(path: string): Promise<DocumentSummary> {
    const absolute = resolve(path);
    const name = basename(absolute);
    let info;
    try {
      info = await stat(absolute);
    } catch {
      throw new AppError('not-found', `${name} cannot be found (it may have been moved or deleted).`);
    }
    if (!info.isFile()) throw new AppError('not-a-file', `${name} is not a file.`);
    const source = await fileSource(absolute);
    const summary = await this.register(name, absolute, source);
    await this.settings.addRecent({ path: absolute, name, openedAt: new Date().toISOString(), pageCount: summary.pageCount });
    return summary;
  }

  async openBytes(name: string, bytes: Uint8Array): Promise<DocumentSummary> {
    return this.register(basename(name), null, bytesSource(bytes));
  }

  async readRange(docId: string, begin: number, end: number): Promise<Uint8Array> {
    const doc = this.get(docId);
    if (begin >= doc.source.size) throw new AppError('out-of-range', 'The viewer asked for bytes beyond the end of the document.');
    const bytes = await doc.source.read(begin, Math.min(end, doc.source.size) - begin);
    // Reads may be views into the reader's block cache; structured clone would copy the whole
    // underlying buffer, and nobody outside may alias the cache: hand out an exact copy.
    return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  }

  /** What main knows of an open document (its path is null for dropped bytes). */
  summary(docId: string): DocumentSummary {
    return structuredClone(this.get(docId).summary);
  }

  /**
   * Checks every signature of an open document. Trust anchors: the OS/Mozilla roots for now (the
   * user's own trusted certificates come with settings); offline, from what the file carries.
   */
  async validate(docId: string): Promise<DocumentValidation> {
    const { source } = this.get(docId);
    let report;
    try {
      report = await validatePdf(source, { trustAnchors: [], systemTrust: true, online: false });
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('validation-failed', `The signatures could not be checked: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { docId, verdict: report.verdict, signatures: report.signatures.map(toValidation) };
  }

  /** Writes the document's bytes to `target` (a new file): a dropped document must be a file to be signed. */
  async copyTo(docId: string, target: string): Promise<void> {
    const { source } = this.get(docId);
    const handle = await openFile(target, 'wx', 0o600);
    try {
      const chunk = 1024 * 1024;
      for (let at = 0; at < source.size; at += chunk) {
        await handle.write(await source.read(at, Math.min(chunk, source.size - at)));
      }
    } finally {
      await handle.close();
    }
  }

  async close(docId: string): Promise<null> {
    const doc = this.open.get(docId);
    if (doc) {
      this.open.delete(docId);
      await doc.source.close();
    }
    return null;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open.keys()].map((id) => this.close(id)));
  }

  get openCount(): number {
    return this.open.size;
  }

  private get(docId: string): OpenDocument {
    const doc = this.open.get(docId);
    if (!doc) throw new AppError('unknown-document', 'This document is no longer open.');
    return doc;
  }

  private async register(name: string, path: string | null, source: ByteSource): Promise<DocumentSummary> {
    let inspected;
    try {
      inspected = await inspectPdf(source, { name });
    } catch (error) {
      await source.close();
      throw error;
    }
    // Keep a bounded number of documents open: the oldest is closed first.
    while (this.open.size >= MAX_OPEN) {
      const oldest = this.open.keys().next().value;
      if (oldest === undefined) break;
      await this.close(oldest);
    }
    const docId = `doc-${randomBytes(8).toString('hex')}`;
    const summary: DocumentSummary = {
      docId,
      name,
      path,
      size: inspected.size,
      pdfVersion: inspected.pdfVersion,
      pageCount: inspected.pageCount,
      encrypted: inspected.encrypted,
      signatureCount: inspected.signatureCount,
      revisionCount: inspected.revisionCount,
      signatures: inspected.signatures.map((s) => ({ field: s.field, kind: s.kind, subFilter: s.subFilter })),
    };
    this.open.set(docId, { summary, source });
    return summary;
  }
}

function toValidation(sig: SignatureReport): SignatureValidation {
  return {
    field: sig.field,
    kind: sig.kind,
    subFilter: sig.subFilter,
    status: sig.status,
    signer: sig.signer ? { name: sig.signer.name, subject: sig.signer.subject } : null,
    signedAt: sig.signedAt,
    timestamp: sig.timestamp ? { time: sig.timestamp.time, tsa: sig.timestamp.tsa, valid: sig.timestamp.valid } : null,
    intact: sig.intact,
    modifications: sig.modifications,
    level: sig.level,
    coversWholeFile: sig.coversWholeFile,
    revocation: sig.revocation,
    trusted: sig.trusted,
    reasons: sig.reasons.map((r) => ({ code: r.code, en: r.messages.en, fr: r.messages.fr })),
  };
}
