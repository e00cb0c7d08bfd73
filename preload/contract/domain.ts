// The domain's words, defined once: PAdES levels, DocMDP certification modes, remote signing's. Plain constants
// (no zod, no imports), so the layers of main may import them (all but x509, errors.ts and
// atomic-write.ts, the leaves every layer imports, which lint keeps from importing anything of the
// repository but the message catalog), the contract's schemas build their enums from them and the
// renderer uses them as they are (lint allows this file, and the catalog, of the contract's values).

/** The PAdES baseline levels (ETSI EN 319 142-1), lowest first: what a signer may ask for. */
export const PADES_LEVELS = ['B-B', 'B-T', 'B-LT', 'B-LTA'] as const;
export type PadesLevel = (typeof PADES_LEVELS)[number];

/** The level a verifier reports for a signature: a PAdES level, or 'none' when not even B-B holds. */
export const SIGNATURE_LEVELS = [...PADES_LEVELS, 'none'] as const;
export type SignatureLevel = (typeof SIGNATURE_LEVELS)[number];

/** What a certification signature still allows, by name (the app, the CLI's --certify). */
export const CERTIFY_MODES = ['no-changes', 'form-filling', 'annotations'] as const;
export type CertifyMode = (typeof CERTIFY_MODES)[number];

/** The DocMDP transform's /P (ISO 32000-1 12.8.2.2): 1 no changes, 2 form filling and signing, 3 also annotations. */
export type DocMdpPermission = 1 | 2 | 3;

/** Certification mode -> DocMDP /P. */
export const DOC_MDP_PERMISSION: Readonly<Record<CertifyMode, DocMdpPermission>> = { 'no-changes': 1, 'form-filling': 2, annotations: 3 };

/** DigiCert ONE's environments and regions where Document Trust Manager runs (hosts: main/remote/csc/dtm.ts). */
export const DTM_ENVIRONMENTS = ['demo', 'production'] as const;
export const DTM_REGION_NAMES = ['us', 'ch', 'nl', 'jp'] as const;

/** How a remote signing account signs in: OAuth code in the browser, client credentials, CSC auth/login. */
export const REMOTE_GRANTS = ['code', 'client_credentials', 'basic'] as const;

/**
 * A CSC service root (before /csc/v1) as Paraphe accepts it: https, or http to this computer only;
 * no user, password, query or fragment. The normalised URL (no trailing slash), or null.
 */
export function cscServiceRoot(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) return null;
  if (url.username || url.password || url.search || url.hash) return null;
  return url.toString().replace(/\/+$/, '');
}
