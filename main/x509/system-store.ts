// The intermediate certificates of the operating system's certificate store, which complete a
// signer's chain when neither the signer nor the user brought them (a token that holds its
// certificate alone, an administrator who installed the company's issuing CA system-wide).
// Platform-neutral: Node's tls.getCACertificates('system') where it exists (Node 22.15+, hence
// Electron: the Windows and macOS stores, OpenSSL's files elsewhere); without it, the PEM bundle
// of the usual Linux and BSD places (SSL_CERT_FILE first). Bounded (a few megabytes, a thousand
// certificates), read and parsed once per process with Node's own X.509 parser. Its roots are kept
// apart: they tell that a chain reaches a root, and a signature need not carry one.
import { X509Certificate } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

/** More than any system store holds (Debian's bundle is about 220 KB and 150 certificates). */
export const MAX_SYSTEM_STORE_BYTES = 8 * 1024 * 1024;
export const MAX_SYSTEM_STORE_CERTIFICATES = 1000;

/** Where Linux and BSD distributions keep their PEM bundle (the list Go's crypto/x509 reads). */
export const SYSTEM_BUNDLE_FILES: readonly string[] = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Gentoo, Arch
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL 6
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/pki/tls/cacert.pem', // OpenELEC
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', // CentOS, RHEL 7+
  '/etc/ssl/cert.pem', // Alpine, OpenBSD
  '/usr/local/etc/ssl/cert.pem', // FreeBSD
];

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** What a system store holds, DER: the authorities' intermediate certificates, and its roots. */
export interface SystemStore {
  intermediates: readonly Uint8Array[];
  roots: readonly Uint8Array[];
}

/** `pems` (PEM certificates, the first `limit`) split into roots (self-signed) and the others; unreadable ones are skipped. */
export function splitStore(pems: Iterable<string>, limit = MAX_SYSTEM_STORE_CERTIFICATES): SystemStore {
  const intermediates: Uint8Array[] = [];
  const roots: Uint8Array[] = [];
  let seen = 0;
  for (const pem of pems) {
    if (++seen > limit) break;
    try {
      const cert = new X509Certificate(pem);
      (cert.subject === cert.issuer && cert.checkIssued(cert) ? roots : intermediates).push(new Uint8Array(cert.raw));
    } catch {
      // Not a certificate Node can read: not used.
    }
  }
  return { intermediates, roots };
}

/** The CERTIFICATE blocks of `text`, in order. */
export function pemCertificates(text: string): string[] {
  return text.match(PEM_CERTIFICATE) ?? [];
}

/** The first `limit` bytes of `file` as text; null when it cannot be read (absent, a folder, no permission). */
function readHead(file: string, limit: number): string | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const buffer = Buffer.alloc(limit);
    let filled = 0;
    while (filled < limit) {
      const read = readSync(fd, buffer, filled, limit - filled, null);
      if (read === 0) break;
      filled += read;
    }
    return buffer.subarray(0, filled).toString('latin1');
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

export interface SystemStoreOptions {
  platform?: NodeJS.Platform;
  env?: Readonly<Record<string, string | undefined>>;
  /** Node's store reader (tests: absent, to read the files). Default: tls.getCACertificates when Node has it. */
  getCACertificates?: ((type: 'system') => readonly string[]) | null;
  /** The bundle files to try, in order (default: SSL_CERT_FILE, then SYSTEM_BUNDLE_FILES). */
  files?: readonly string[];
}

/** The PEM certificates of the system store, as the platform gives them (uncached). */
export function systemStorePems(options: SystemStoreOptions = {}): string[] {
  const nodeReader = options.getCACertificates !== undefined
    ? options.getCACertificates
    : (process.getBuiltinModule('node:tls') as { getCACertificates?: (type: 'system') => readonly string[] }).getCACertificates ?? null; // loaded on first use
  if (nodeReader) {
    try {
      return nodeReader('system').slice(0, MAX_SYSTEM_STORE_CERTIFICATES);
    } catch {
      // The platform's store could not be read: fall back to the files where there are some.
    }
  }
  const platform = options.platform ?? process.platform;
  if (platform === 'win32' || platform === 'darwin') return []; // no file to read: Node's reader is the way
  const env = options.env ?? process.env;
  const files = options.files ?? [...(env.SSL_CERT_FILE ? [env.SSL_CERT_FILE] : []), ...SYSTEM_BUNDLE_FILES];
  for (const file of files) {
    // One byte more than the bound: a larger file is not a certificate store, and is not read whole.
    const text = readHead(file, MAX_SYSTEM_STORE_BYTES + 1);
    if (text === null) continue;
    if (text.length > MAX_SYSTEM_STORE_BYTES) return [];
    return pemCertificates(text).slice(0, MAX_SYSTEM_STORE_CERTIFICATES);
  }
  return [];
}

let cached: SystemStore | null = null;

/**
 * The system store's certificates, DER, read once per process: the intermediates complete a
 * signer's chain; the roots only tell that a chain reaches one (Node's own are in roots.ts).
 */
export function systemStore(): SystemStore {
  cached ??= splitStore(systemStorePems());
  return cached;
}
