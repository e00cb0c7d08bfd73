// What every check of one file shares: the options, the validation time, the trust anchors (the
// user's and, with systemTrust, the roots Node ships), the DSS read once, and which signature the
// catalog's /Perms /DocMDP names.
import { PdfDict, PdfRef, PdfStream } from '../pdf';
import type { ByteSource, PdfReader } from '../pdf';
import { fingerprint, parseCertificate } from '../cms';
import type { Certificate } from '../cms';
import type { ValidationOptions } from './report';
import { systemRootsBySubject } from '../x509';

/** Clock difference tolerated between the signer's /M and the timestamp, and in revocation data's dates. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface Context {
  reader: PdfReader;
  source: ByteSource;
  options: ValidationOptions;
  now: Date;
  anchors: Certificate[];
  anchorPrints: Set<string>;
  /** The system roots (empty without systemTrust), by subject DN as node:crypto writes it. */
  system: Map<string, Uint8Array[]>;
  dss: { certs: Uint8Array[]; ocsps: Uint8Array[]; crls: Uint8Array[]; revision: number | null } | null;
  docMdpSig: string | null;
}

export async function contextOf(reader: PdfReader, source: ByteSource, options: ValidationOptions): Promise<Context> {
  const anchors = options.trustAnchors.map((a) => parseCertificate(a, { kind: 'trusted' }));
  const catalog = await reader.catalog();
  let dss: Context['dss'] = null;
  const dssValue = catalog.get('DSS');
  const dssDict = await reader.resolve(dssValue);
  if (dssDict instanceof PdfDict) {
    const streams = async (key: string): Promise<Uint8Array[]> => {
      const array = await reader.resolve(dssDict.get(key));
      if (!Array.isArray(array)) return [];
      const out: Uint8Array[] = [];
      for (const item of array) {
        const stream = await reader.resolve(item);
        if (stream instanceof PdfStream) out.push(await reader.streamData(stream));
      }
      return out;
    };
    const rootRef = reader.revisions.at(-1)?.trailer.get('Root');
    const ref = dssValue instanceof PdfRef ? dssValue : rootRef instanceof PdfRef ? rootRef : null;
    dss = { certs: await streams('Certs'), ocsps: await streams('OCSPs'), crls: await streams('CRLs'), revision: ref ? (reader.objectRevision(ref.num)?.number ?? null) : null };
  }
  // The signature dictionary the catalog's /Perms /DocMDP names: the certification signature.
  let docMdpSig: string | null = null;
  const perms = await reader.resolve(catalog.get('Perms'));
  if (perms instanceof PdfDict) {
    const docMdp = perms.get('DocMDP');
    if (docMdp instanceof PdfRef) docMdpSig = docMdp.key;
  }
  return {
    reader, source, options, now: options.now ?? new Date(), anchors, anchorPrints: new Set(anchors.map((a) => fingerprint(a.der))), dss, docMdpSig,
    system: options.systemTrust ? systemRootsBySubject() : new Map(),
  };
}
