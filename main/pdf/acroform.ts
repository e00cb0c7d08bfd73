// Shared helpers of the updates that touch the document structure (signature fields, DSS): copy-on-
// write editing of existing objects, page lookup, the AcroForm, and the document's DocMDP level.
// Objects the reader returns are cached and shared: they are never mutated, only copied.
import { PdfError } from './errors';
import { msg } from '../errors';
import { PdfDict, PdfRef } from './objects';
import type { PdfObject } from './objects';
import type { PdfReader } from './reader';
import type { IncrementalUpdate } from './writer';

/** Editable copies of existing objects, each written once into the update however often it is edited. */
export class ObjectEditor {
  private readonly copies = new Map<number, PdfDict | PdfObject[]>();
  /** Editable copies of the catalog's dictionary entries (catalogDict), by key. */
  private readonly catalogEntries = new Map<string, PdfDict>();

  constructor(
    readonly reader: PdfReader,
    readonly update: IncrementalUpdate,
  ) {}

  /** A copy of dictionary `ref` that the update will write in place of the original. */
  async dict(ref: PdfRef, what = 'object'): Promise<PdfDict> {
    const cached = this.copies.get(ref.num);
    if (cached instanceof PdfDict) return cached;
    const own = this.update.get(ref);
    if (own instanceof PdfDict) return own;
    const original = await this.reader.getObject(ref.num, ref.gen);
    if (!(original instanceof PdfDict)) throw new PdfError('malformed', msg('error.pdf.not-a-dictionary', { name: this.reader.name, what: partOf(what), num: ref.num, gen: ref.gen }));
    const copy = new PdfDict(original.entries);
    this.copies.set(ref.num, copy);
    this.update.set(ref, copy);
    return copy;
  }

  /** A copy of array `ref` that the update will write in place of the original. */
  async array(ref: PdfRef, what = 'array'): Promise<PdfObject[]> {
    const cached = this.copies.get(ref.num);
    if (Array.isArray(cached)) return cached;
    const own = this.update.get(ref);
    if (Array.isArray(own)) return own;
    const original = await this.reader.getObject(ref.num, ref.gen);
    if (!Array.isArray(original)) throw new PdfError('malformed', msg('error.pdf.not-an-array', { name: this.reader.name, what: partOf(what), num: ref.num, gen: ref.gen }));
    const copy = [...original];
    this.copies.set(ref.num, copy);
    this.update.set(ref, copy);
    return copy;
  }

  /** The catalog's reference (the trailer's /Root). */
  rootRef(): PdfRef {
    const root = this.reader.trailer.get('Root');
    if (!(root instanceof PdfRef)) throw new PdfError('malformed', msg('error.pdf.root-not-ref', { name: this.reader.name }));
    return root;
  }

  /** An editable copy of the catalog. */
  catalog(): Promise<PdfDict> {
    return this.dict(this.rootRef(), 'document catalog');
  }

  /**
   * An editable copy of the catalog's dictionary entry `key`: the indirect object's copy, a copy of
   * a direct one put back into the catalog, or, when there is none, `initial` put into the catalog
   * (as a new indirect object when `indirect`, else directly).
   */
  async catalogDict(key: string, what: string, options: { initial?: PdfDict; indirect?: boolean } = {}): Promise<PdfDict> {
    const cached = this.catalogEntries.get(key);
    if (cached) return cached;
    const value = (await this.reader.catalog()).get(key);
    const current = await this.reader.resolve(value);
    let copy: PdfDict;
    if (value instanceof PdfRef && current instanceof PdfDict) {
      copy = await this.dict(value, what);
    } else {
      const editableCatalog = await this.catalog();
      if (current instanceof PdfDict) {
        copy = new PdfDict(current.entries);
        editableCatalog.set(key, copy);
      } else {
        copy = options.initial ?? new PdfDict();
        editableCatalog.set(key, options.indirect ? this.update.add(copy) : copy);
      }
    }
    this.catalogEntries.set(key, copy);
    return copy;
  }

  /** An editable AcroForm dictionary (a new one is an indirect object with empty /Fields). */
  acroForm(): Promise<PdfDict> {
    return this.catalogDict('AcroForm', 'AcroForm dictionary', { initial: new PdfDict([['Fields', []]]), indirect: true });
  }

  /** Appends `fieldRef` to /AcroForm /Fields and sets /SigFlags 3 (SignaturesExist | AppendOnly). */
  async addSignatureField(fieldRef: PdfRef | null): Promise<void> {
    const current = await this.reader.resolve((await this.reader.catalog()).get('AcroForm'));
    const currentDict = current instanceof PdfDict ? current : null;
    const sigFlags = currentDict ? await this.reader.resolve(currentDict.get('SigFlags')) : null;
    const fields = currentDict?.get('Fields');
    // The AcroForm itself needs rewriting unless only an indirect /Fields array changes and /SigFlags is already 3.
    const rewriteAcroForm = sigFlags !== 3 || !(fields instanceof PdfRef && Array.isArray(await this.reader.resolve(fields)));
    const acroForm = rewriteAcroForm ? await this.acroForm() : null;
    if (acroForm) acroForm.set('SigFlags', 3);
    if (fieldRef === null) return;
    if (fields instanceof PdfRef && Array.isArray(await this.reader.resolve(fields))) {
      (await this.array(fields, 'AcroForm /Fields array')).push(fieldRef);
    } else if (acroForm) {
      const list = acroForm.get('Fields');
      acroForm.set('Fields', [...(Array.isArray(list) ? list : []), fieldRef]);
    }
  }

  /** Adds `annotRef` to the page's /Annots: rewrites the page (direct or absent array) or the array object. */
  async addAnnotation(pageRef: PdfRef, annotRef: PdfRef): Promise<void> {
    const page = await this.reader.getObject(pageRef.num, pageRef.gen);
    if (!(page instanceof PdfDict)) throw new PdfError('malformed', msg('error.pdf.not-a-dictionary', { name: this.reader.name, what: 'page', num: pageRef.num, gen: pageRef.gen }));
    const annots = page.get('Annots');
    if (annots instanceof PdfRef && Array.isArray(await this.reader.resolve(annots))) {
      (await this.array(annots, 'page /Annots array')).push(annotRef);
      return;
    }
    const copy = await this.dict(pageRef, 'page');
    const list = copy.get('Annots');
    copy.set('Annots', [...(Array.isArray(list) ? list : []), annotRef]);
  }
}

export interface PageInfo {
  readonly ref: PdfRef;
  readonly dict: PdfDict;
}

/** Page `pageNumber` (1-based) of the page tree; PdfError 'page-out-of-range' when there is none. */
export async function findPage(reader: PdfReader, pageNumber: number): Promise<PageInfo> {
  const count = await reader.pageCount();
  // Every signature, invisible ones too, has its widget on a page: "no page 1" would name a page
  // the user never asked for.
  if (count === 0) throw new PdfError('malformed', msg('error.pdf.no-pages', { name: reader.name }));
  if (!Number.isInteger(pageNumber) || pageNumber < 1 || pageNumber > count) {
    throw new PdfError('page-out-of-range', msg('error.pdf.page-out-of-range', { name: reader.name, page: pageNumber, count }));
  }
  const catalog = await reader.catalog();
  let node = await reader.resolve(catalog.get('Pages'));
  let index = pageNumber - 1;
  const seen = new Set<string>();
  for (let depth = 0; depth < 64 && node instanceof PdfDict; depth++) {
    const kids = await reader.resolve(node.get('Kids'));
    if (!Array.isArray(kids)) break;
    let next: PdfDict | null = null;
    for (const kid of kids) {
      if (!(kid instanceof PdfRef) || seen.has(kid.key)) continue;
      const dict = await reader.resolve(kid);
      if (!(dict instanceof PdfDict)) continue;
      if (dict.getName('Type') === 'Pages' || (dict.getName('Type') !== 'Page' && dict.has('Kids'))) {
        const kidCount = await reader.resolve(dict.get('Count'));
        if (typeof kidCount !== 'number') break;
        if (index < kidCount) {
          seen.add(kid.key);
          next = dict;
          break;
        }
        index -= kidCount;
      } else {
        if (index === 0) return { ref: kid, dict };
        index -= 1;
      }
    }
    node = next;
  }
  throw new PdfError('malformed', msg('error.pdf.page-tree-broken', { name: reader.name, page: pageNumber }));
}

/** The part of a document a message names, as the catalog's `what` select knows it. */
function partOf(what: string): string {
  const parts: Record<string, string> = {
    object: 'object', array: 'array', page: 'page', 'signature field': 'field', 'signature widget': 'widget',
    'AcroForm /Fields array': 'fields', 'page /Annots array': 'annots', 'AcroForm dictionary': 'acroform',
    'permissions dictionary': 'perms', 'extensions dictionary': 'extensions',
  };
  return parts[what] ?? (what.endsWith('array') ? 'array' : 'object');
}

/** The /P of the document's certification signature (catalog /Perms /DocMDP), or null when it is not certified. */
export async function docMdpPermission(reader: PdfReader): Promise<number | null> {
  const catalog = await reader.catalog();
  const perms = await reader.resolve(catalog.get('Perms'));
  if (!(perms instanceof PdfDict)) return null;
  const sig = await reader.resolve(perms.get('DocMDP'));
  if (!(sig instanceof PdfDict)) return null;
  const references = await reader.resolve(sig.get('Reference'));
  if (Array.isArray(references)) {
    for (const item of references) {
      const ref = await reader.resolve(item);
      if (!(ref instanceof PdfDict) || ref.getName('TransformMethod') !== 'DocMDP') continue;
      const params = await reader.resolve(ref.get('TransformParams'));
      const p = params instanceof PdfDict ? await reader.resolve(params.get('P')) : null;
      return typeof p === 'number' ? p : 2; // 2 is the default (12.8.2.2.2)
    }
  }
  // /Perms /DocMDP without a DocMDP reference: treat as the default level.
  return 2;
}
