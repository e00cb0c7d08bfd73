// The issuer certificates the user imports in settings ("Issuer certificates"), and the pool that
// completes the chain of every signature the app makes.
//
// Kept in issuer-certificates.pem in the app's data folder: a PEM bundle that
// readCertificateBundle reads back, so the bounds of a file the user gives (4 MB, 64 certificates)
// are the store's too; written atomically, one change at a time, deduplicated by fingerprint. A
// store that cannot be read is set aside (renamed *.damaged-<time>) at the next change, never
// written over. Only authorities' certificates are kept: a signer's certificate in the same file
// (a "full chain" export) is left out and counted.
//
// The pool: these, the certificates the user trusts (settings), and the intermediates of the system
// store (main/x509/system-store.ts). A signer gets the pool's certificates that lie on its path
// (withIssuers); the sign panel's notice is decided from the same pool before any signer is opened,
// so importing the missing issuer makes it go away.
import { X509Certificate } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { IssuerCertificate, IssuerImport, SigningWarning } from '../../preload/contract/schemas';
import { writeFileAtomic } from '../atomic-write';
import { MAX_BUNDLE_BYTES, MAX_BUNDLE_CERTIFICATES, readCertificateBundle } from '../cms';
import { AppError, msg } from '../errors';
import type { Signer } from '../signers';
import { certificateNames, fingerprint, systemStore } from '../x509';
import { completedChain, signingWarnings, withIssuers } from './signing/chain';

export const ISSUERS_FILE = 'issuer-certificates.pem';
/** As many as one bundle file may hold. */
export const MAX_ISSUER_CERTIFICATES = MAX_BUNDLE_CERTIFICATES;
/** How far up a signer's path the pool is searched (as withIssuers builds it). */
const MAX_DEPTH = 10;

/** A certificate and the issuer certificates that come with it: what a chain is decided from. */
export type PublicChain = Pick<Signer, 'certificate' | 'chain'>;

export interface IssuerPoolSources {
  /** The certificates the user trusts (settings.trustAnchors()). */
  trusted?: () => Promise<Uint8Array[]>;
  /** The system store (default: main/x509's, read once per process). */
  system?: () => { intermediates: readonly Uint8Array[]; roots: readonly Uint8Array[] };
}

interface Parsed {
  der: Uint8Array;
  x509: X509Certificate;
  fingerprint: string;
}

function parsed(der: Uint8Array): Parsed | null {
  try {
    return { der, x509: new X509Certificate(der), fingerprint: fingerprint(der) };
  } catch {
    return null;
  }
}

function parsedAll(ders: readonly Uint8Array[]): Parsed[] {
  return ders.map(parsed).filter((c): c is Parsed => c !== null);
}

/** The system store is read once per process: parsed once too. */
const parsedStores = new WeakMap<readonly Uint8Array[], Parsed[]>();
function parsedOnce(ders: readonly Uint8Array[]): Parsed[] {
  let list = parsedStores.get(ders);
  if (!list) {
    list = parsedAll(ders);
    parsedStores.set(ders, list);
  }
  return list;
}

/** Whether the signer's certificate leads, by issuer names within its own chain, to a self-signed certificate. */
function reachesSelfSigned(signer: PublicChain): boolean {
  const own = parsedAll([signer.certificate, ...signer.chain]);
  let current = own[0];
  for (let hops = 0; current && hops <= own.length; hops++) {
    if (selfSigned(current.x509)) return true;
    const at: Parsed = current;
    current = own.find((c) => c !== at && c.x509.subject === at.x509.issuer && issued(at.x509, c.x509));
  }
  return false;
}

function selfSigned(cert: X509Certificate): boolean {
  return cert.subject === cert.issuer && cert.checkIssued(cert);
}

/** An authority's certificate (basic constraints cA), or a self-signed one (old v1 roots have no extensions). */
function isAuthority(cert: X509Certificate): boolean {
  return cert.ca || selfSigned(cert);
}

/** Whether `issuer` issued `cert`: names and key identifiers (checkIssued), then the signature itself. */
function issued(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function view(der: Uint8Array, cert: X509Certificate): IssuerCertificate {
  const names = certificateNames(der);
  return {
    name: names.subject || '?',
    subject: names.subjectDn,
    issuer: names.issuerDn,
    serial: cert.serialNumber.toUpperCase(),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    fingerprint: fingerprint(der),
    selfSigned: selfSigned(cert),
  };
}

/** A comment line of the store file: nothing that could open or close a PEM block. */
function comment(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/-{2,}/g, '-').slice(0, 300);
}

function pem(der: Uint8Array, cert: X509Certificate): string {
  const base64 = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  const names = certificateNames(der);
  return `# ${comment(names.subjectDn || names.subject)}\n# issued by ${comment(names.issuerDn || names.issuer)}, until ${new Date(cert.validTo).toISOString().slice(0, 10)}\n# SHA-256 ${fingerprint(der)}\n-----BEGIN CERTIFICATE-----\n${base64}-----END CERTIFICATE-----\n`;
}

/** The first `limit` bytes of `file`: one more than a bundle may have is enough to refuse it. */
async function readAtMost(file: string, limit: number): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(limit);
    let filled = 0;
    while (filled < limit) {
      const { bytesRead } = await handle.read(buffer, filled, limit - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

export class IssuerCertificateStore {
  readonly file: string;
  private current: Parsed[] = [];
  private loaded = false;
  /** The file on disk could not be read: it is set aside before the next write. */
  private damaged = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly dir: string, private readonly sources: IssuerPoolSources = {}) {
    this.file = join(dir, ISSUERS_FILE);
  }

  /** The imported certificates, the latest first. */
  async list(): Promise<IssuerCertificate[]> {
    await this.load();
    return this.current.map((c) => view(c.der, c.x509));
  }

  /** Their DER, the latest first. */
  async certificates(): Promise<Uint8Array[]> {
    await this.load();
    return this.current.map((c) => c.der);
  }

  /**
   * Keeps the authorities' certificates of `path` (PEM bundle, DER, .p7b in DER or PEM; a file main's
   * own dialog chose). A file that cannot be read, holds no certificate or no authority's, or would
   * make the store hold more than it may, is refused in words, and nothing changes.
   */
  async importFile(path: string): Promise<IssuerImport> {
    const name = basename(path);
    let bytes: Uint8Array;
    try {
      bytes = await readAtMost(path, MAX_BUNDLE_BYTES + 1);
    } catch (error) {
      throw new AppError('issuer-file-unreadable', msg('error.app.issuer-file-unreadable', { file: name, code: (error as NodeJS.ErrnoException).code ?? 'error' }));
    }
    // Too large, no certificate, too many, a certificate that is not X.509: CmsError, naming the file.
    const found = parsedAll(readCertificateBundle(bytes, name));
    const authorities = found.filter((c) => isAuthority(c.x509));
    if (authorities.length === 0) throw new AppError('issuer-not-authority', msg('error.app.issuer-not-authority', { file: name, count: found.length }));
    return this.change((current) => {
      const known = new Set(current.map((c) => c.fingerprint));
      const fresh: Parsed[] = [];
      for (const c of authorities) {
        if (known.has(c.fingerprint)) continue;
        known.add(c.fingerprint);
        fresh.push(c);
      }
      const next = [...fresh, ...current];
      if (next.length > MAX_ISSUER_CERTIFICATES) {
        throw new AppError('issuer-store-full', msg('error.app.issuer-store-full', { file: name, count: fresh.length, kept: current.length, limit: MAX_ISSUER_CERTIFICATES }));
      }
      return {
        next,
        result: (list: IssuerCertificate[]) => ({ added: fresh.length, already: authorities.length - fresh.length, notAuthority: found.length - authorities.length, certificates: list }),
      };
    });
  }

  /** Forgets one (by SHA-256 fingerprint); nothing happens when it is not there. */
  async remove(fingerprintHex: string): Promise<IssuerCertificate[]> {
    return this.change((current) => ({ next: current.filter((c) => c.fingerprint !== fingerprintHex), result: (list) => list }));
  }

  /**
   * The certificates of the pool (imported, trusted, the system store's intermediates) that lie on
   * the path of `signer`'s certificate and are not in its chain yet: what withIssuers adds.
   * Looked up by issuer name, so a large system store costs nothing but the certificates on the path.
   */
  async issuersFor(signer: PublicChain, options: { roots?: boolean } = {}): Promise<Uint8Array[]> {
    // A chain that already reaches a self-signed certificate needs nothing: the system store is
    // then never read (a .p12 with its whole chain, the personal ID: most signings from a script).
    if (reachesSelfSigned(signer)) return [];
    await this.load();
    const store = (this.sources.system ?? systemStore)();
    const pool = [
      ...this.current,
      ...parsedAll((await this.sources.trusted?.().catch((): Uint8Array[] => [])) ?? []),
      ...parsedOnce(store.intermediates),
      ...(options.roots ? parsedOnce(store.roots) : []),
    ];
    const bySubject = new Map<string, Parsed[]>();
    for (const c of pool) {
      const list = bySubject.get(c.x509.subject) ?? [];
      list.push(c);
      bySubject.set(c.x509.subject, list);
    }
    const own = parsedAll([signer.certificate, ...signer.chain]);
    const have = new Set(own.map((c) => c.fingerprint));
    const found: Uint8Array[] = [];
    let frontier = own;
    for (let depth = 0; depth < MAX_DEPTH && frontier.length > 0 && found.length < MAX_DEPTH; depth++) {
      const next: Parsed[] = [];
      for (const c of frontier) {
        if (selfSigned(c.x509)) continue;
        for (const candidate of bySubject.get(c.x509.issuer) ?? []) {
          if (have.has(candidate.fingerprint) || !issued(c.x509, candidate.x509)) continue;
          have.add(candidate.fingerprint);
          found.push(candidate.der);
          next.push(candidate);
        }
      }
      frontier = next;
    }
    return found;
  }

  /** `signer` with the pool's issuer certificates on its path added to its chain (itself when there are none). */
  async complete(signer: Signer): Promise<Signer> {
    return withIssuers(signer, await this.issuersFor(signer));
  }

  /**
   * What the sign panel says before signing with `chain`: CHAIN_INCOMPLETE when, with the pool,
   * it still reaches no root (the system store's roots count, though a signature need not carry them).
   */
  async warnings(chain: PublicChain): Promise<SigningWarning[]> {
    const completed = await completedChain(chain, await this.issuersFor(chain, { roots: true })).catch(() => [...chain.chain]);
    return (await signingWarnings({ certificate: chain.certificate, chain: completed })).map((w) => ({ code: w.code, subject: w.subject, stopsAt: w.stopsAt }));
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    let bytes: Uint8Array;
    try {
      bytes = await readFile(this.file);
    } catch {
      return; // none imported yet
    }
    if (Buffer.from(bytes).toString('latin1').trim() === '') return;
    try {
      this.current = parsedAll(readCertificateBundle(bytes, ISSUERS_FILE));
    } catch {
      // Not what this service writes (edited by hand, cut short): kept as it is until the next change sets it aside.
      this.damaged = true;
      console.warn(`issuers: ${this.file} cannot be read; it is set aside at the next change`);
    }
  }

  private change<R>(decide: (current: Parsed[]) => { next: Parsed[]; result: (list: IssuerCertificate[]) => R }): Promise<R> {
    const run = this.queue.then(async () => {
      await this.load();
      const { next, result } = decide(this.current);
      const text = next.map((c) => pem(c.der, c.x509)).join('\n');
      if (Buffer.byteLength(text) > MAX_BUNDLE_BYTES) {
        throw new AppError('issuer-store-full', msg('error.app.issuer-store-too-large', { limit: MAX_BUNDLE_BYTES / (1024 * 1024) }));
      }
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      if (this.damaged) {
        await rename(this.file, `${this.file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`).catch(() => undefined);
        this.damaged = false;
      }
      if (next.length === 0) await rm(this.file, { force: true });
      else await writeFileAtomic(this.file, `# Paraphe: issuer certificates imported in settings. They complete the chains of the signatures the app makes; they are not trusted for verification.\n\n${text}`);
      this.current = next;
      return result(next.map((c) => view(c.der, c.x509)));
    });
    this.queue = run.then(() => undefined, () => undefined);
    return run;
  }
}
