// The Document Security Store (ISO 32000-2, 12.8.4.3; ETSI EN 319 142-1, 5.4.2): an incremental
// update that adds certificates, OCSP responses and CRLs (B-LT) to the catalog's /DSS, extending an
// existing DSS without dropping or duplicating what it holds. The data arrives as DER bytes from
// main/cms through the services; nothing here parses or checks it.
import { deflateSync } from 'node:zlib';
import { ObjectEditor } from './acroform';
import { PdfDict, PdfRef, PdfStream } from './objects';
import type { PdfObject } from './objects';
import { compareVersions } from './reader';
import type { PdfReader } from './reader';
import { name, pdfDate, pdfDict, textString } from './serialize';
import { IncrementalUpdate } from './writer';

export interface DssEntries {
  readonly certs: readonly Uint8Array[];
  readonly ocsps: readonly Uint8Array[];
  readonly crls: readonly Uint8Array[];
}

export interface VriEntry extends DssEntries {
  /** /TU: when this validation data was gathered. */
  readonly tu?: Date;
}

export interface DssData extends DssEntries {
  /**
   * /VRI entries keyed by the upper-case hex SHA-1 of the signature's /Contents value (computed by
   * the caller: main/pdf does no hashing). Their data also goes into the DSS arrays.
   */
  readonly vri?: ReadonlyMap<string, VriEntry>;
}

const ARRAYS = [
  ['certs', 'Certs', 'Cert'],
  ['ocsps', 'OCSPs', 'OCSP'],
  ['crls', 'CRLs', 'CRL'],
] as const;

const keyOf = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');

/** Prepares the incremental update that adds `data` to the document's DSS. */
export async function prepareDssUpdate(reader: PdfReader, data: DssData): Promise<{ bytes: Uint8Array }> {
  const update = new IncrementalUpdate(reader); // encrypts as the document is (refuses what it cannot keep)
  const editor = new ObjectEditor(reader, update);
  const catalog = await reader.catalog();
  const dssValue = catalog.get('DSS');
  const existing = await reader.resolve(dssValue);
  const oldDss = existing instanceof PdfDict ? existing : null;

  const dss = new PdfDict(oldDss?.entries ?? [['Type', name('DSS')]]);
  // Each DER once: the streams the DSS already holds are reused, by their decoded bytes.
  const streams = new Map<string, PdfRef>();
  const lists = new Map<string, PdfObject[]>();
  for (const [, key] of ARRAYS) {
    const current = oldDss ? await reader.resolve(oldDss.get(key)) : null;
    const list: PdfObject[] = Array.isArray(current) ? [...current] : [];
    for (const item of list) {
      const stream = await reader.resolve(item);
      if (item instanceof PdfRef && stream instanceof PdfStream) streams.set(`${key}:${keyOf(await reader.streamData(stream))}`, item);
    }
    lists.set(key, list);
  }
  const streamFor = (key: string, der: Uint8Array): PdfRef => {
    const id = `${key}:${keyOf(der)}`;
    let ref = streams.get(id);
    if (!ref) {
      ref = update.add(PdfStream.fromBytes(pdfDict({ Filter: name('FlateDecode') }), deflateSync(der)));
      streams.set(id, ref);
      (lists.get(key) as PdfObject[]).push(ref);
    }
    return ref;
  };
  for (const [field, key] of ARRAYS) for (const der of data[field]) streamFor(key, der);

  if (data.vri && data.vri.size > 0) {
    const oldVri = oldDss ? await reader.resolve(oldDss.get('VRI')) : null;
    const vri = new PdfDict(oldVri instanceof PdfDict ? oldVri.entries : []);
    for (const [hash, entry] of data.vri) {
      const item = pdfDict({});
      for (const [field, key, vriKey] of ARRAYS) if (entry[field].length > 0) item.set(vriKey, entry[field].map((der) => streamFor(key, der)));
      if (entry.tu) item.set('TU', textString(pdfDate(entry.tu)));
      vri.set(hash.toUpperCase(), item);
    }
    dss.set('VRI', vri);
  }
  for (const [, key] of ARRAYS) {
    const list = lists.get(key) as PdfObject[];
    if (list.length > 0) dss.set(key, list);
  }

  if (dssValue instanceof PdfRef && oldDss) update.set(dssValue, dss);
  else (await editor.catalog()).set('DSS', update.add(dss));

  if (compareVersions(await reader.version(), '1.7') <= 0) await addEsicExtension(reader, editor);
  return { bytes: update.build().bytes };
}

/** Catalog /Extensions /ESIC at level 5 (PAdES LTV, ETSI EN 319 142-1), keeping other extensions. */
async function addEsicExtension(reader: PdfReader, editor: ObjectEditor): Promise<void> {
  const catalog = await reader.catalog();
  const extensions = await reader.resolve(catalog.get('Extensions'));
  const current = extensions instanceof PdfDict ? await reader.resolve(extensions.get('ESIC')) : null;
  // ESIC may be an array of extension dictionaries (ISO 32000-2, 7.12.3): any at level 5 or more will do.
  const levels = (Array.isArray(current) ? current : [current]).map((d) => (d instanceof PdfDict ? d.getInt('ExtensionLevel') : undefined));
  if (levels.some((level) => level !== undefined && level >= 5)) return;
  (await editor.catalogDict('Extensions', 'extensions dictionary')).set('ESIC', pdfDict({ BaseVersion: name('1.7'), ExtensionLevel: 5 }));
}
