// Open documents: main reads the file lazily and serves byte ranges to the viewer (pdf.js range
// transport), so a 200 MB or 1,000-page file opens as fast as a small one and is never copied
// whole across the IPC boundary. The input file is only ever read.
import { createHash, randomBytes } from 'node:crypto';
import { open as openFile, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { CertificateView, DocumentSummary, DocumentValidation, SignatureValidation, TrustedCertificate } from '../../preload/contract/schemas';
import { certificateUrls, fingerprint, isSelfSigned, parseCertificate, serialHex, subjectName } from '../cms';
import { AppError, isUserFacing, msg } from '../errors';
import { bytesSource, encryptorOf, fileSource, inspectPdf, openPdf, prefixSource } from '../pdf';
import type { ByteSource } from '../pdf';
import { hostOf, withFetchPolicy } from '../remote';
import { validatePdf } from '../validation/validate';
import type { SignatureReport } from '../validation/validate';
import { distinguishedName } from '../x509';
import type { SettingsService } from './settings';
import { handleBytes, memoryBytes } from './signed-output';
import type { InputBytes } from './signed-output';
import type { OpenedInput } from './signing';

/** The bounds of one online check started from the app (beside each request's own 15 s and size limit). */
export const ONLINE_CHECK_LIMITS = { maxFetches: 32, totalMs: 120_000 } as const;

/** The file behind an open document, held open from the open to the close. */
interface HeldFile {
  handle: FileHandle;
  size: number;
  /** SHA-256 (hex) of the bytes as opened, computed in the background; null when it could not be read. */
  sha256: Promise<string | null>;
}

interface OpenDocument {
  summary: DocumentSummary;
  source: ByteSource;
  /** What signing copies: the held file, or the dropped bytes. */
  bytes: InputBytes | null;
  file: HeldFile | null;
  /** From the last validation, per signature: its chain (DER, signer first) and the revision it signs. */
  checked?: { chain: Uint8Array[]; revision: number | null; field: string | null }[];
  /** Signed versions opened from this document: closed with it (they read through its source). */
  derived: Set<string>;
}

const MAX_OPEN = 16;

export class DocumentService {
  private readonly open = new Map<string, OpenDocument>();

  constructor(private readonly settings: SettingsService) {}

  /**
   * Opens a file main trusts the path of (the IPC handlers check the renderer's paths against the
   * granted ones first). The file stays open until the document is closed: signing copies these
   * bytes, not whatever the path leads to later. `signal`: the caller gave up (deadline), the file
   * is closed again. `password`: an encrypted document's, to read its pages and signatures for the
   * summary (a signed copy main just wrote); used once, not kept.
   */
  async openPath(path: string, signal?: AbortSignal, options: { password?: string } = {}): Promise<DocumentSummary> {
    const absolute = resolve(path);
    const name = basename(absolute);
    let info;
    try {
      info = await stat(absolute);
    } catch {
      throw new AppError('not-found', msg('error.app.not-found', { name }));
    }
    if (!info.isFile()) throw new AppError('not-a-file', msg('error.app.not-a-file', { name }));
    const source = await fileSource(absolute);
    let handle: FileHandle | null = null;
    let summary: DocumentSummary;
    try {
      handle = await openFile(absolute, 'r');
      const held = await handle.stat();
      const named = await stat(absolute);
      if (held.size !== source.size || held.dev !== named.dev || held.ino !== named.ino) {
        throw new AppError('input-changed', msg('error.app.input-changed', { name }));
      }
    } catch (error) {
      await Promise.allSettled([handle?.close(), source.close()]);
      throw error;
    }
    const file: HeldFile = { handle, size: source.size, sha256: sha256Of(handle, source.size) };
    try {
      summary = await this.register(name, absolute, source, undefined, { bytes: handleBytes(handle, source.size), file }, signal, options.password);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    await this.settings.addRecent({ path: absolute, name, openedAt: new Date().toISOString(), pageCount: summary.pageCount });
    return summary;
  }

  async openBytes(name: string, bytes: Uint8Array, signal?: AbortSignal): Promise<DocumentSummary> {
    return this.register(basename(name), null, bytesSource(bytes), undefined, { bytes: memoryBytes(bytes), file: null }, signal);
  }

  /**
   * The open document as the signing session takes it: its reader source and the held file's
   * bytes, with what was opened to check the copy against.
   */
  signingInput(docId: string): OpenedInput {
    const doc = this.get(docId);
    if (!doc.bytes) throw new AppError('signed-version', msg('error.app.signed-version'));
    const { file } = doc;
    // The session must not close the document's source: it belongs to the open document.
    const source: ByteSource = { size: doc.source.size, read: (p, l) => doc.source.read(p, l), close: () => Promise.resolve() };
    if (doc.source.stream) source.stream = doc.source.stream.bind(doc.source);
    return {
      path: doc.summary.path,
      name: doc.summary.name,
      source,
      bytes: doc.bytes,
      ...(file ? { expected: { size: file.size, sha256: () => file.sha256 } } : {}),
    };
  }

  /**
   * Refuses, before an identity is opened (and a PIN asked), an encrypted document that cannot be
   * signed with `password`: a wrong one (bad-password), none when it needs one (needs-password),
   * encryption that cannot be kept (unsupported-encryption).
   */
  async refuseUnsignable(docId: string, password: string | undefined): Promise<void> {
    const doc = this.get(docId);
    if (!doc.summary.encrypted) return;
    encryptorOf(await openPdf(doc.source, { name: doc.summary.name, password }));
  }

  /**
   * The hosts an online check of the document would contact: the OCSP, CRL and CA-issuer servers
   * its signatures' certificates name (http and https only), as its last check built the chains.
   */
  async onlineHosts(docId: string, password?: string): Promise<string[]> {
    const doc = this.get(docId);
    if (!doc.checked) await this.validate(docId, { password });
    const hosts = new Set<string>();
    for (const entry of doc.checked ?? []) {
      for (const der of entry.chain) {
        let urls;
        try {
          urls = certificateUrls(der);
        } catch {
          continue;
        }
        for (const url of [...urls.ocsp, ...urls.crl, ...urls.caIssuers]) {
          const host = hostOf(url);
          if (host !== null) hosts.add(host);
        }
      }
    }
    return [...hosts].sort();
  }

  async readRange(docId: string, begin: number, end: number): Promise<Uint8Array> {
    const doc = this.get(docId);
    if (begin >= doc.source.size) throw new AppError('out-of-range', msg('error.app.out-of-range'));
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
   * Checks every signature of an open document. Trust anchors: the OS/Mozilla roots and the
   * certificates the user trusts (settings). Offline, from what the file carries, unless `online`:
   * then missing certificates (AIA) and revocation answers are fetched. `password`: an encrypted
   * document's, as the user typed it to open it (used for this check, not kept).
   */
  async validate(docId: string, options: { online?: boolean; allowedHosts?: readonly string[]; password?: string } = {}): Promise<DocumentValidation> {
    const doc = this.get(docId);
    const online = options.online ?? false;
    const anchors = await this.settings.trustAnchors();
    let report;
    try {
      const check = () => validatePdf(doc.source, { trustAnchors: anchors, systemTrust: true, online, password: options.password });
      // Online: http(s) only, a bounded number of requests in a bounded time, to the hosts the
      // user agreed to when they are given.
      report = online
        ? await withFetchPolicy({ ...ONLINE_CHECK_LIMITS, ...(options.allowedHosts ? { allowedHosts: new Set(options.allowedHosts) } : {}) }, check)
        : await check();
    } catch (error) {
      if (error instanceof AppError) throw error;
      // The renderer says "the signatures could not be checked" and then why, in its language.
      if (isUserFacing(error) && error.key !== undefined) throw new AppError('validation-failed', { key: error.key, params: error.params }, { cause: error });
      throw new AppError('validation-failed', msg('error.app.validation-failed', { detail: error instanceof Error ? error.message : String(error) }), { cause: error });
    }
    doc.checked = report.signatures.map((sig) => ({ chain: sig.chainCertificates, revision: sig.revision, field: sig.field }));
    const userTrusted = new Set(anchors.map(fingerprint));
    return { docId, verdict: report.verdict, online, signatures: report.signatures.map((sig) => toValidation(sig, userTrusted)) };
  }

  /**
   * The certificate at `certificateIndex` of a signature's chain, as the last validation of the
   * document built it, described for the trust list. The renderer names it by position only: it
   * never hands main certificate bytes to trust.
   */
  certificateToTrust(docId: string, signatureIndex: number, certificateIndex: number): TrustedCertificate {
    const checked = this.get(docId).checked;
    if (!checked) throw new AppError('not-validated', msg('error.app.not-validated'));
    const der = checked[signatureIndex]?.chain[certificateIndex];
    if (!der) throw new AppError('no-such-certificate', msg('error.app.no-such-certificate'));
    const view = certificateView(der, new Set());
    const { trustedByUser: _t, selfSigned: _s, ...described } = view;
    return { ...described, der: Buffer.from(der).toString('base64'), addedAt: new Date().toISOString() };
  }

  /**
   * Opens the revision a signature covers as a document of its own: what the signer saw and
   * signed, without what was added later. It reads through the open document's source.
   */
  async openSignedVersion(docId: string, signatureIndex: number): Promise<DocumentSummary> {
    const parent = this.get(docId);
    if (!parent.checked) await this.validate(docId);
    const entry = parent.checked?.[signatureIndex];
    if (!entry) throw new AppError('no-such-signature', msg('error.app.no-such-signature'));
    const reader = await openPdf(parent.source, { name: parent.summary.name });
    const revision = entry.revision === null ? undefined : reader.revisions[entry.revision - 1];
    if (!revision) {
      throw new AppError('no-signed-version', msg('error.app.no-signed-version'));
    }
    // The parent owns its source: the signed version reads through it and is closed with it.
    const shared: ByteSource = { size: parent.source.size, read: (p, l) => parent.source.read(p, l), close: () => Promise.resolve() };
    if (parent.source.stream) shared.stream = parent.source.stream.bind(parent.source);
    const source = prefixSource(shared, revision.end, parent.summary.name);
    const summary = await this.register(parent.summary.name, null, source, {
      of: docId,
      field: entry.field,
      revision: revision.number,
      revisionCount: reader.revisions.length,
    });
    parent.derived.add(summary.docId);
    return summary;
  }

  async close(docId: string): Promise<null> {
    const doc = this.open.get(docId);
    if (doc) {
      this.open.delete(docId);
      for (const child of doc.derived) await this.close(child);
      await doc.source.close();
      if (doc.file) {
        // The background hash may still be reading: let it stop first.
        await doc.file.sha256.catch(() => null);
        await doc.file.handle.close().catch(() => undefined);
      }
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
    if (!doc) throw new AppError('unknown-document', msg('error.app.unknown-document'));
    return doc;
  }

  private async register(
    name: string,
    path: string | null,
    source: ByteSource,
    signedVersion?: DocumentSummary['signedVersion'],
    held: { bytes: InputBytes | null; file: HeldFile | null } = { bytes: null, file: null },
    signal?: AbortSignal,
    password?: string,
  ): Promise<DocumentSummary> {
    let inspected;
    try {
      inspected = await inspectPdf(source, { name, password });
      if (signal?.aborted) throw new AppError('cancelled', msg('error.app.open-cancelled', { name }));
    } catch (error) {
      await source.close();
      await held.file?.sha256.catch(() => null);
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
      damage: inspected.damage ? { code: inspected.damage.code, message: { key: inspected.damage.message.key, ...(inspected.damage.message.params ? { params: { ...inspected.damage.message.params } } : {}) } } : null,
      ...(signedVersion ? { signedVersion } : {}),
    };
    this.open.set(docId, { summary, source, bytes: held.bytes, file: held.file, derived: new Set() });
    return summary;
  }
}

/** A certificate as the signature details show it, named and formatted as the validator names the signer. */
function certificateView(der: Uint8Array, userTrusted: ReadonlySet<string>): CertificateView {
  const sha256 = fingerprint(der);
  try {
    const certificate = parseCertificate(der);
    const { x509 } = certificate;
    return {
      name: subjectName(certificate),
      subject: distinguishedName(certificate.cert.subject),
      issuer: distinguishedName(certificate.cert.issuer),
      serial: serialHex(certificate),
      notBefore: new Date(x509.validFrom).toISOString(),
      notAfter: new Date(x509.validTo).toISOString(),
      fingerprint: sha256,
      selfSigned: isSelfSigned(certificate),
      trustedByUser: userTrusted.has(sha256),
    };
  } catch {
    return { name: '?', subject: '', issuer: '', serial: '', notBefore: '', notAfter: '', fingerprint: sha256, selfSigned: false, trustedByUser: userTrusted.has(sha256) };
  }
}

function toValidation(sig: SignatureReport, userTrusted: ReadonlySet<string>): SignatureValidation {
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
    revision: sig.revision,
    chain: sig.chainCertificates.map((der) => certificateView(der, userTrusted)),
    revocationChecks: sig.revocationChecks.map((c) => ({ ...c })),
  };
}

/** SHA-256 (hex) of the first `size` bytes of an open file, or null when they cannot be read. */
async function sha256Of(handle: FileHandle, size: number): Promise<string | null> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  try {
    for (let at = 0; at < size; ) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - at), at);
      if (bytesRead === 0) return null; // shorter than when it was opened
      hash.update(buffer.subarray(0, bytesRead));
      at += bytesRead;
    }
    return hash.digest('hex');
  } catch {
    return null;
  }
}
