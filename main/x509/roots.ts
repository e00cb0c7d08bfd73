// The system's root certificates (Node's bundled set, as TLS uses), by subject, parsed once with
// Node's own X.509 parser (fast); used by validation (trust anchors) and by the signing warnings
// (does a signer's chain end at a certificate a system root issued?).
import { X509Certificate } from 'node:crypto';

let systemRoots: Map<string, Uint8Array[]> | null = null;

/** DER certificates of the system roots, by subject as node:crypto prints it. */
export function systemRootsBySubject(): Map<string, Uint8Array[]> {
  if (!systemRoots) {
    systemRoots = new Map();
    // node:tls (and node:net behind it) loaded on first use, not at every start.
    for (const pem of process.getBuiltinModule('node:tls').rootCertificates) {
      try {
        const x509 = new X509Certificate(pem);
        const list = systemRoots.get(x509.subject) ?? [];
        list.push(new Uint8Array(x509.raw));
        systemRoots.set(x509.subject, list);
      } catch {
        // A root Node ships that cannot be read: not used.
      }
    }
  }
  return systemRoots;
}

/** Whether one of the system roots issued `certificate` (its name and its signature). */
export function issuedBySystemRoot(certificate: Uint8Array): boolean {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificate);
  } catch {
    return false;
  }
  for (const der of systemRootsBySubject().get(cert.issuer) ?? []) {
    const root = new X509Certificate(der);
    if (cert.checkIssued(root) && cert.verify(root.publicKey)) return true;
  }
  return false;
}
