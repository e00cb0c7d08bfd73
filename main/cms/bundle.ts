// Certificates from a file a user gives (`paraphe sign --chain FILE`): a PEM bundle (CERTIFICATE
// or PKCS7 blocks), one DER certificate, or a DER PKCS#7 "certs-only" bundle (.p7b, .p7c). Bounded:
// a few megabytes and a few dozen certificates, each one a readable X.509 certificate.
import { CmsError } from './errors';
import { msg } from '../errors';
import { parseCertificate } from './certificates';
import { pemBlocks } from './engine';
import { signedDataCertificates, signedDataOf } from './signed-data';

/** Larger than any real bundle of issuer certificates. */
export const MAX_BUNDLE_BYTES = 4 * 1024 * 1024;
export const MAX_BUNDLE_CERTIFICATES = 64;

/** Every certificate of `bytes`, DER, in file order; `name` names the file in errors. */
export function readCertificateBundle(bytes: Uint8Array, name: string): Uint8Array[] {
  if (bytes.length > MAX_BUNDLE_BYTES) {
    throw new CmsError('bad-certificate', msg('error.cms.bundle-too-large', { file: name, limit: MAX_BUNDLE_BYTES / (1024 * 1024) }));
  }
  const pem = [...pemBlocks(bytes, 'CERTIFICATE')];
  for (const p7 of pemBlocks(bytes, 'PKCS7')) pem.push(...certificatesOfPkcs7(p7, name));
  const found = pem.length > 0 ? pem : derCertificates(bytes, name);
  if (found.length === 0) throw new CmsError('bad-certificate', msg('error.cms.bundle-empty', { file: name }));
  if (found.length > MAX_BUNDLE_CERTIFICATES) {
    throw new CmsError('bad-certificate', msg('error.cms.bundle-too-many', { file: name, count: found.length, limit: MAX_BUNDLE_CERTIFICATES }));
  }
  for (const der of found) {
    try {
      parseCertificate(der, { kind: 'chain' });
    } catch (e) {
      throw new CmsError('bad-certificate', msg('error.cms.bundle-bad-certificate', { file: name }), { cause: e });
    }
  }
  return found;
}

/** One DER certificate, or a DER PKCS#7 bundle; nothing when the bytes are neither. */
function derCertificates(bytes: Uint8Array, name: string): Uint8Array[] {
  if (bytes.length === 0 || bytes[0] !== 0x30) return [];
  try {
    parseCertificate(bytes, { kind: 'chain' });
    return [bytes];
  } catch {
    return certificatesOfPkcs7(bytes, name);
  }
}

function certificatesOfPkcs7(bytes: Uint8Array, name: string): Uint8Array[] {
  try {
    return signedDataCertificates(signedDataOf(bytes));
  } catch (e) {
    throw new CmsError('bad-certificate', msg('error.cms.bundle-unreadable', { file: name }), { cause: e });
  }
}
