// What changed after a signature: for every incremental update after the revision a signature
// covers, the objects the update defines (new or replaced) are compared with their previous version
// and classified, in the spirit of pyHanko's DiffPolicy (simplified):
//   dss-timestamps  the DSS and its streams, document timestamp fields/widgets/values, catalog
//                   /DSS, /Extensions, /Version, AcroForm /SigFlags
//   form-filling    new signature fields, widgets and values, field /V values and appearances,
//                   AcroForm /Fields additions of signature fields, /NeedAppearances, /DR, metadata
//   annotations     annotations other than widgets (and their appearances), page /Annots changes
//   other           anything else: page content, resources, fonts, the page tree, catalog entries,
//                   deleted objects, replaced signature values, new non-signature fields
// The most severe class over all updates is the result, judged against the DocMDP permission of
// the certification signature in force at the signed revision; a change to the value or appearance
// of a field that a FieldMDP reference (of any signature present at the signed revision) locks is
// not allowed either, whatever its class.
// An object "as of revision k" is read through a second reader opened over the file's first
// `revisions[k-1].end` bytes: the document exactly as it was when that revision was written.
import { PdfDict, PdfName, PdfReal, PdfRef, PdfStream, PdfString, docMdpPermission, openPdf, prefixSource } from '../pdf';
import type { FieldNode, PdfObject, PdfReader } from '../pdf';
import type { DocMdpPermission } from '../../preload/contract/domain';

export type ModificationLevel = 'none' | 'dss-timestamps' | 'form-filling' | 'annotations' | 'other';

export interface ModificationAnalysis {
  /** The most severe class of change over every update after the signed revision. */
  modifications: ModificationLevel;
  /** Whether those changes are allowed by the DocMDP permission in force (no certification: all but 'other'). */
  allowed: boolean;
  /** /P of the certification signature in force at the signed revision, null when not certified. */
  docMdp: DocMdpPermission | null;
  /** One short English sentence per change found. */
  details: string[];
}

const RANK: Record<ModificationLevel, number> = { none: 0, 'dss-timestamps': 1, 'form-filling': 2, annotations: 3, other: 4 };

/** The more severe of two levels. */
export function worseLevel(a: ModificationLevel, b: ModificationLevel): ModificationLevel {
  return RANK[a] >= RANK[b] ? a : b;
}

/** Whether changes of `level` are allowed under DocMDP permission `docMdp` (null: not certified). */
export function levelAllowed(level: ModificationLevel, docMdp: DocMdpPermission | null): boolean {
  if (docMdp === null) return level !== 'other';
  const ceiling: ModificationLevel = docMdp === 1 ? 'dss-timestamps' : docMdp === 2 ? 'form-filling' : 'annotations';
  return RANK[level] <= RANK[ceiling];
}

/** Analyses every incremental update after `signedRevision` (1-based, the revision a signature covers). */
export async function analyzeModifications(reader: PdfReader, signedRevision: number): Promise<ModificationAnalysis> {
  const revisions = reader.revisions;
  if (!Number.isInteger(signedRevision) || signedRevision < 1 || signedRevision > revisions.length) {
    throw new RangeError(`revision ${signedRevision} does not exist (the document has ${revisions.length})`);
  }
  let views = VIEWS.get(reader);
  if (!views) {
    views = new RevisionViews(reader);
    VIEWS.set(reader, views);
  }
  const signedView = await views.at(signedRevision);
  const docMdp = normalizeP(await docMdpPermission(signedView));
  const locks = await fieldLocks(signedView);

  let level: ModificationLevel = 'none';
  let lockedChange = false;
  const details: string[] = [];
  for (let r = signedRevision + 1; r <= revisions.length; r++) {
    const found = await views.findings(r);
    for (const f of found) {
      level = worseLevel(level, f.level);
      if (f.level !== 'none') details.push(`revision ${r}: ${f.text}`);
      const lock = f.field === undefined ? undefined : locks.find((l) => l.locks(f.field as string));
      if (lock) {
        lockedChange = true;
        details.push(`revision ${r}: field "${f.field}" is locked by the signature in field "${lock.by}" (FieldMDP)`);
      }
    }
  }
  return { modifications: level, allowed: levelAllowed(level, docMdp) && !lockedChange, docMdp, details };
}

interface FieldLock {
  /** The signature field whose signature holds the FieldMDP reference. */
  by: string;
  locks(field: string): boolean;
}

/** The FieldMDP locks of every signature present at the revision `view` shows (12.8.2.4). */
async function fieldLocks(view: PdfReader): Promise<FieldLock[]> {
  const locks: FieldLock[] = [];
  for (const field of await view.fields()) {
    if (!field.signature?.ref) continue;
    const sig = await view.resolve(field.signature.ref);
    const references = sig instanceof PdfDict ? await view.resolve(sig.get('Reference')) : null;
    if (!Array.isArray(references)) continue;
    for (const item of references) {
      const reference = await view.resolve(item);
      if (!(reference instanceof PdfDict) || reference.getName('TransformMethod') !== 'FieldMDP') continue;
      const params = await view.resolve(reference.get('TransformParams'));
      if (!(params instanceof PdfDict)) continue;
      const action = params.getName('Action') ?? 'All';
      const listed = await view.resolve(params.get('Fields'));
      const names = new Set<string>();
      if (Array.isArray(listed)) {
        for (const entry of listed) {
          const text = await view.resolve(entry);
          if (text instanceof PdfString) names.add(text.text());
        }
      }
      // A name locks the field itself and every field under it ("a" locks "a.b").
      const named = (name: string) => [...names].some((n) => name === n || name.startsWith(`${n}.`));
      const by = field.name ?? '(unnamed)';
      if (action === 'Include') locks.push({ by, locks: named });
      else if (action === 'Exclude') locks.push({ by, locks: (name) => !named(name) });
      else locks.push({ by, locks: () => true });
    }
  }
  return locks;
}

function normalizeP(p: number | null): DocMdpPermission | null {
  if (p === null) return null;
  return p === 1 || p === 3 ? p : 2;
}

// ---------------------------------------------------------------------------------------------
// Reading the document as of a revision

/**
 * Views, role maps and findings per revision, shared by every analysis of the same reader: what
 * update r changed does not depend on which signature asks, so a document with n signatures costs
 * each update once, not once per signature.
 */
const VIEWS = new WeakMap<PdfReader, RevisionViews>();

class RevisionViews {
  private readonly views = new Map<number, Promise<PdfReader>>();
  private readonly roleMaps = new Map<number, Promise<RoleMap>>();
  private readonly updates = new Map<number, Promise<Finding[]>>();
  constructor(private readonly reader: PdfReader) {}

  /** What update `number` (2 or more) changed; an update that cannot be read counts as 'other'. */
  findings(number: number): Promise<Finding[]> {
    let found = this.updates.get(number);
    if (!found) {
      found = analyzeUpdate(this.reader, this, number).catch((error: unknown) => [
        { level: 'other' as const, text: `the update cannot be analysed (${error instanceof Error ? error.message : String(error)})` },
      ]);
      this.updates.set(number, found);
    }
    return found;
  }

  /** What each object of revision `number` is used for. */
  roles(number: number): Promise<RoleMap> {
    let roles = this.roleMaps.get(number);
    if (!roles) {
      roles = this.at(number).then((view) => RoleMap.of(view));
      this.roleMaps.set(number, roles);
    }
    return roles;
  }

  /** A reader of the document as it was at revision `number` (1-based). */
  at(number: number): Promise<PdfReader> {
    let view = this.views.get(number);
    if (!view) {
      const revision = this.reader.revisions[number - 1];
      if (!revision) throw new RangeError(`revision ${number} does not exist`);
      view =
        number === this.reader.revisions.length && revision.end >= this.reader.size
          ? Promise.resolve(this.reader)
          // The view shares the reader's source: closing it must not close the document.
          : openPdf({ ...prefixSource(this.reader.source, revision.end), close: () => Promise.resolve() }, { name: this.reader.name, budget: this.reader.budget, security: this.reader.security });
      this.views.set(number, view);
    }
    return view;
  }
}

// ---------------------------------------------------------------------------------------------
// Roles: what each object of a revision is used for

interface Finding {
  level: ModificationLevel;
  text: string;
  /** The fully qualified name of the field whose value or appearance the change concerns. */
  field?: string;
}

type FieldKind = 'signature' | 'doc-timestamp' | 'field';

interface FieldRole {
  kind: FieldKind;
  name: string;
}

type Role =
  | { kind: 'catalog' }
  | { kind: 'info' }
  | { kind: 'metadata' }
  | { kind: 'dss' }
  | { kind: 'acroform' }
  | { kind: 'fields-array' }
  | { kind: 'field'; field: FieldRole }
  | { kind: 'signature-value'; type: 'Sig' | 'DocTimeStamp'; field: string }
  | { kind: 'appearance'; level: ModificationLevel; owner: string }
  | { kind: 'page'; page: number }
  | { kind: 'page-tree' }
  | { kind: 'page-content'; page: number }
  | { kind: 'page-resources'; page: number }
  | { kind: 'annots-array'; page: number }
  | { kind: 'annotation'; page: number; subtype: string };

/** At most this many references, arrays and dictionaries are visited per revision's role map. */
const MAX_WALK = 200_000;

class RoleMap {
  readonly roles = new Map<number, Role>();
  /** Fields (and their widgets) by object number. */
  readonly fields = new Map<number, FieldRole>();
  private budget = MAX_WALK;

  constructor(private readonly view: PdfReader) {}

  private set(num: number, role: Role): void {
    if (!this.roles.has(num)) this.roles.set(num, role);
  }

  private reachable: Promise<Set<string> | null> | null = null;

  /**
   * Whether object `num gen` is reachable from the trailer (/Root, /Info): an object nothing refers
   * to does not change the document (poppler's pdfsig leaves such appearance streams behind). Null
   * when the document is too large to walk within the budget.
   */
  async isReachable(num: number, gen: number): Promise<boolean | null> {
    this.reachable ??= this.walkDocument();
    const set = await this.reachable;
    return set === null ? null : set.has(`${num} ${gen}`);
  }

  private async walkDocument(): Promise<Set<string> | null> {
    const seen = new Set<string>();
    const stack: PdfObject[] = [this.view.trailer.get('Root') ?? null, this.view.trailer.get('Info') ?? null];
    let budget = MAX_WALK * 5;
    while (stack.length > 0) {
      if (--budget < 0) return null;
      const item = stack.pop() as PdfObject;
      if (item instanceof PdfRef) {
        if (seen.has(item.key)) continue;
        seen.add(item.key);
        stack.push(await this.view.getObject(item.num, item.gen));
      } else if (Array.isArray(item)) {
        for (const v of item) if (isContainer(v)) stack.push(v);
      } else if (item instanceof PdfDict || item instanceof PdfStream) {
        for (const v of asDict(item)?.entries.values() ?? []) if (isContainer(v)) stack.push(v);
      }
    }
    return seen;
  }

  static async of(view: PdfReader): Promise<RoleMap> {
    const map = new RoleMap(view);
    await map.build();
    return map;
  }

  private async build(): Promise<void> {
    const view = this.view;
    const root = view.trailer.get('Root');
    if (root instanceof PdfRef) this.set(root.num, { kind: 'catalog' });
    const info = view.trailer.get('Info');
    if (info instanceof PdfRef) this.set(info.num, { kind: 'info' });
    const catalog = await view.catalog();
    const metadata = catalog.get('Metadata');
    if (metadata instanceof PdfRef) this.set(metadata.num, { kind: 'metadata' });

    // Fields first: widgets found in page /Annots are then known as widgets.
    const acroFormRef = catalog.get('AcroForm');
    if (acroFormRef instanceof PdfRef) this.set(acroFormRef.num, { kind: 'acroform' });
    const acroForm = await view.resolve(acroFormRef);
    if (acroForm instanceof PdfDict) {
      const fieldsRef = acroForm.get('Fields');
      if (fieldsRef instanceof PdfRef) this.set(fieldsRef.num, { kind: 'fields-array' });
      await this.addFields(await view.fieldTree());
      const dr = acroForm.get('DR');
      await this.walkAll(dr, () => ({ kind: 'appearance', level: 'form-filling', owner: 'the form\'s default resources' }));
    }

    const dss = catalog.get('DSS');
    await this.walkAll(dss, () => ({ kind: 'dss' }));

    await this.walkPages(catalog.get('Pages'));
  }

  /** Roles for the field tree as main/pdf walks it: fields, their signature values, widgets and appearances. */
  private async addFields(nodes: readonly FieldNode[]): Promise<void> {
    // A direct (unnumbered) field dictionary has no number to give a role to; it and the nodes
    // under it are skipped, as is an object already known as a field or a widget, and its subtree.
    const skipped = new Set<FieldNode>();
    for (const node of nodes) {
      if (node.ref === null || (node.parent !== null && skipped.has(node.parent)) || this.fields.has(node.ref.num)) {
        skipped.add(node);
        continue;
      }
      const name = node.name || '(unnamed)';
      let kind: FieldKind = 'field';
      if (node.type === 'Sig') {
        kind = 'signature';
        const v = node.dict.get('V');
        const value = await this.view.resolve(v);
        if (value instanceof PdfDict && value.getName('Type') === 'DocTimeStamp') kind = 'doc-timestamp';
        if (v instanceof PdfRef && value instanceof PdfDict) {
          this.set(v.num, { kind: 'signature-value', type: kind === 'doc-timestamp' ? 'DocTimeStamp' : 'Sig', field: name });
        }
      }
      const role: FieldRole = { kind, name };
      this.fields.set(node.ref.num, role);
      this.set(node.ref.num, { kind: 'field', field: role });
      const level = fieldLevel(kind);
      await this.walkAll(node.dict.get('AP'), () => ({ kind: 'appearance', level, owner: `field "${name}"` }));
      for (const widget of node.widgets) {
        if (widget.ref === null || this.fields.has(widget.ref.num)) continue;
        this.fields.set(widget.ref.num, role);
        this.set(widget.ref.num, { kind: 'field', field: role });
        await this.walkAll(widget.dict.get('AP'), () => ({ kind: 'appearance', level, owner: `field "${name}"` }));
      }
    }
  }

  private async walkPages(pagesRef: PdfObject | undefined): Promise<void> {
    let pageNumber = 0;
    const seen = new Set<number>();
    const visit = async (node: PdfObject | undefined, depth: number): Promise<void> => {
      if (!(node instanceof PdfRef) || seen.has(node.num) || depth > 64) return;
      seen.add(node.num);
      const dict = await this.view.resolve(node);
      if (!(dict instanceof PdfDict)) return;
      const kids = await this.view.resolve(dict.get('Kids'));
      if (dict.getName('Type') === 'Pages' || (dict.getName('Type') !== 'Page' && Array.isArray(kids))) {
        this.set(node.num, { kind: 'page-tree' });
        if (Array.isArray(kids)) for (const kid of kids) await visit(kid, depth + 1);
        return;
      }
      const page = ++pageNumber;
      this.set(node.num, { kind: 'page', page });
      await this.page(dict, page);
    };
    await visit(pagesRef, 0);
  }

  private async page(dict: PdfDict, page: number): Promise<void> {
    const contents = dict.get('Contents');
    if (contents instanceof PdfRef) {
      const value = await this.view.resolve(contents);
      if (Array.isArray(value)) for (const item of value) if (item instanceof PdfRef) this.set(item.num, { kind: 'page-content', page });
      this.set(contents.num, { kind: 'page-content', page });
    } else if (Array.isArray(contents)) {
      for (const item of contents) if (item instanceof PdfRef) this.set(item.num, { kind: 'page-content', page });
    }
    const resources = dict.get('Resources');
    if (resources instanceof PdfRef) this.set(resources.num, { kind: 'page-resources', page });
    const annotsRef = dict.get('Annots');
    if (annotsRef instanceof PdfRef) this.set(annotsRef.num, { kind: 'annots-array', page });
    const annots = await this.view.resolve(annotsRef);
    if (!Array.isArray(annots)) return;
    for (const item of annots) {
      if (!(item instanceof PdfRef) || this.fields.has(item.num)) continue;
      const annot = await this.view.resolve(item);
      if (!(annot instanceof PdfDict)) continue;
      const subtype = annot.getName('Subtype') ?? 'unknown';
      this.set(item.num, { kind: 'annotation', page, subtype });
      const popup = annot.get('Popup');
      if (popup instanceof PdfRef) this.set(popup.num, { kind: 'annotation', page, subtype: 'Popup' });
      await this.walkAll(annot.get('AP'), () => ({ kind: 'appearance', level: 'annotations', owner: `a ${subtype} annotation on page ${page}` }));
    }
  }

  /** Gives every object reachable from `value` (not yet known) the role `role()`. */
  private async walkAll(value: PdfObject | undefined, role: () => Role): Promise<void> {
    const stack: PdfObject[] = value === undefined ? [] : [value];
    const seen = new Set<number>();
    while (stack.length > 0 && this.budget > 0) {
      const item = stack.pop() as PdfObject;
      this.budget--;
      if (item instanceof PdfRef) {
        if (seen.has(item.num)) continue;
        seen.add(item.num);
        const known = this.roles.get(item.num);
        if (known && known.kind !== 'appearance' && known.kind !== 'dss') continue;
        this.set(item.num, role());
        stack.push(await this.view.getObject(item.num, item.gen));
      } else if (Array.isArray(item)) {
        for (const v of item) if (isContainer(v)) stack.push(v);
      } else if (item instanceof PdfDict || item instanceof PdfStream) {
        for (const [key, v] of asDict(item)?.entries ?? []) if (key !== 'Parent' && key !== 'P' && isContainer(v)) stack.push(v);
      }
    }
  }
}

/** References, arrays and dictionaries: what a reachability walk needs to visit (numbers and names are skipped). */
function isContainer(value: PdfObject): boolean {
  return value instanceof PdfRef || Array.isArray(value) || value instanceof PdfDict || value instanceof PdfStream;
}

function fieldLevel(kind: FieldKind): ModificationLevel {
  return kind === 'doc-timestamp' ? 'dss-timestamps' : 'form-filling';
}

function fieldWhat(field: FieldRole): string {
  return field.kind === 'doc-timestamp' ? `document timestamp field "${field.name}"` : field.kind === 'signature' ? `signature field "${field.name}"` : `form field "${field.name}"`;
}

// ---------------------------------------------------------------------------------------------
// Comparing objects

function sameValue(a: PdfObject | undefined, b: PdfObject | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (a instanceof PdfRef) return b instanceof PdfRef && a.num === b.num && a.gen === b.gen;
  if (a instanceof PdfName) return b instanceof PdfName && a.value === b.value;
  if (a instanceof PdfReal) return (b instanceof PdfReal || typeof b === 'number') && a.value === (b instanceof PdfReal ? b.value : b);
  if (typeof a === 'number') return b instanceof PdfReal && b.value === a;
  if (a instanceof PdfString) return b instanceof PdfString && Buffer.from(a.bytes).equals(Buffer.from(b.bytes));
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  if (a instanceof PdfDict) return b instanceof PdfDict && changedKeys(a, b).length === 0;
  return false; // streams are compared by sameStream
}

/** Keys whose values differ between two dictionaries (added, removed or changed). */
function changedKeys(a: PdfDict, b: PdfDict): string[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((key) => !sameValue(a.get(key), b.get(key)));
}

async function rawData(view: PdfReader, stream: PdfStream): Promise<Buffer> {
  const bytes = stream.bytes ?? (await view.source.read(stream.dataOffset, stream.dataLength));
  return Buffer.from(bytes);
}

async function sameObject(oldView: PdfReader, a: PdfObject, newView: PdfReader, b: PdfObject): Promise<boolean> {
  if (a instanceof PdfStream || b instanceof PdfStream) {
    if (!(a instanceof PdfStream && b instanceof PdfStream)) return false;
    if (changedKeys(a.dict, b.dict).some((key) => key !== 'Length')) return false;
    return (await rawData(oldView, a)).equals(await rawData(newView, b));
  }
  return sameValue(a, b);
}

function asDict(value: PdfObject): PdfDict | null {
  if (value instanceof PdfDict) return value;
  if (value instanceof PdfStream) return value.dict;
  return null;
}

function keyList(keys: readonly string[]): string {
  return keys.map((k) => `/${k}`).join(', ');
}

// ---------------------------------------------------------------------------------------------
// One update

interface UpdateContext {
  readonly oldView: PdfReader;
  readonly newView: PdfReader;
  readonly oldRoles: RoleMap;
  readonly newRoles: RoleMap;
}

async function analyzeUpdate(reader: PdfReader, views: RevisionViews, r: number): Promise<Finding[]> {
  const revision = reader.revisions[r - 1];
  if (!revision) return [];
  const [oldView, newView] = await Promise.all([views.at(r - 1), views.at(r)]);
  const [oldRoles, newRoles] = await Promise.all([views.roles(r - 1), views.roles(r)]);
  const ctx: UpdateContext = { oldView, newView, oldRoles, newRoles };
  const findings: Finding[] = [];

  if (!sameValue(oldView.trailer.get('Root'), newView.trailer.get('Root'))) {
    findings.push({ level: 'other', text: 'the trailer points at a different document catalog' });
  }

  const numbers = new Set<number>();
  for (const entries of reader.entriesOf(revision)) {
    for (const num of entries.keys()) if (num > 0) numbers.add(num);
  }
  for (const num of [...numbers].sort((a, b) => a - b)) {
    const [before, after] = await Promise.all([oldView.getObject(num), newView.getObject(num)]);
    if (after === null) {
      if (before !== null) findings.push({ level: 'other', text: `object ${num} was deleted` });
      continue;
    }
    const type = asDict(after)?.getName('Type');
    if (after instanceof PdfStream && (type === 'XRef' || type === 'ObjStm')) continue; // containers of the update itself
    if (before !== null && (await sameObject(oldView, before, newView, after))) continue; // rewritten unchanged
    findings.push(...(await classify(ctx, num, before, after)));
  }
  return findings;
}

async function classify(ctx: UpdateContext, num: number, before: PdfObject, after: PdfObject): Promise<Finding[]> {
  const role = ctx.newRoles.roles.get(num);
  const isNew = before === null;
  const verb = isNew ? 'added' : 'changed';
  const oldDict = asDict(before);
  const newDict = asDict(after);
  if (!role) {
    if (isNew) {
      const entry = ctx.newView.xref.get(num);
      const gen = entry?.type === 'offset' ? entry.gen : 0;
      const reachable = await ctx.newRoles.isReachable(num, gen);
      if (reachable === false) return [{ level: 'none', text: `object ${num} added, used by nothing (ignored)` }];
      return [{ level: 'other', text: `object ${num} added (not a form, signature, annotation or DSS object)` }];
    }
    return [{ level: 'other', text: `object ${num} changed` }];
  }
  switch (role.kind) {
    case 'catalog':
      if (!oldDict || !newDict) return [{ level: 'other', text: `object ${num} (document catalog) ${verb}` }];
      return catalogChanges(ctx, num, oldDict, newDict);
    case 'info':
      return [{ level: 'form-filling', text: `object ${num} (document information) ${verb}` }];
    case 'metadata':
      return [{ level: 'form-filling', text: `object ${num} (document metadata) ${verb}` }];
    case 'dss':
      return [{ level: 'dss-timestamps', text: `object ${num} (DSS) ${verb}` }];
    case 'acroform':
      // A new AcroForm object is judged through the catalog entry that points at it.
      if (!oldDict || !newDict) return [{ level: 'none', text: `object ${num} (AcroForm) ${verb}` }];
      return acroFormChanges(ctx, `object ${num} (AcroForm)`, oldDict, newDict);
    case 'fields-array':
      if (!Array.isArray(before) || !Array.isArray(after)) return [{ level: 'none', text: `object ${num} (AcroForm fields) ${verb}` }];
      return fieldListChanges(ctx, `object ${num} (AcroForm fields)`, before, after);
    case 'field':
      return fieldChanges(ctx, num, role.field, oldDict, newDict);
    case 'signature-value': {
      const level: ModificationLevel = isNew ? (role.type === 'DocTimeStamp' ? 'dss-timestamps' : 'form-filling') : 'other';
      const what = role.type === 'DocTimeStamp' ? 'document timestamp' : 'signature';
      return [{ level, text: isNew ? `object ${num} (${what} of field "${role.field}") added` : `object ${num} (${what} of field "${role.field}") changed after it was signed` }];
    }
    case 'appearance':
      return [{ level: role.level, text: `object ${num} (appearance of ${role.owner}) ${verb}` }];
    case 'page':
      if (!oldDict || !newDict) return [{ level: 'other', text: `object ${num} (page ${role.page}) ${verb}` }];
      return pageChanges(ctx, num, role.page, oldDict, newDict);
    case 'page-tree':
      return [{ level: 'other', text: `object ${num} (page tree) ${verb}` }];
    case 'page-content':
      return [{ level: 'other', text: `object ${num} (page ${role.page} content) ${verb}` }];
    case 'page-resources':
      return [{ level: 'other', text: `object ${num} (page ${role.page} resources) ${verb}` }];
    case 'annots-array':
      if (!Array.isArray(after)) return [{ level: 'other', text: `object ${num} (page ${role.page} annotations) ${verb}` }];
      return annotsChanges(ctx, `object ${num} (page ${role.page} annotations)`, role.page, Array.isArray(before) ? before : [], after);
    case 'annotation':
      return [{ level: 'annotations', text: `object ${num} (${role.subtype} annotation on page ${role.page}) ${verb}` }];
  }
}

const CATALOG_DSS_KEYS = new Set(['DSS', 'Extensions', 'Version']);

async function catalogChanges(ctx: UpdateContext, num: number, before: PdfDict, after: PdfDict): Promise<Finding[]> {
  const findings: Finding[] = [];
  const what = `object ${num} (document catalog)`;
  const other: string[] = [];
  for (const key of changedKeys(before, after)) {
    if (CATALOG_DSS_KEYS.has(key)) {
      findings.push({ level: 'dss-timestamps', text: `${what}: /${key} ${before.has(key) ? 'changed' : 'added'}` });
    } else if (key === 'AcroForm') {
      const [oldForm, newForm] = await Promise.all([ctx.oldView.resolve(before.get('AcroForm')), ctx.newView.resolve(after.get('AcroForm'))]);
      if (!(newForm instanceof PdfDict)) {
        other.push(key);
        continue;
      }
      findings.push(...(await acroFormChanges(ctx, `${what} /AcroForm`, oldForm instanceof PdfDict ? oldForm : new PdfDict(), newForm)));
    } else if (key === 'Metadata') {
      findings.push({ level: 'form-filling', text: `${what}: /Metadata changed` });
    } else {
      other.push(key);
    }
  }
  if (other.length > 0) findings.push({ level: 'other', text: `${what}: ${keyList(other)} changed` });
  return findings;
}

async function acroFormChanges(ctx: UpdateContext, what: string, before: PdfDict, after: PdfDict): Promise<Finding[]> {
  const findings: Finding[] = [];
  const other: string[] = [];
  for (const key of changedKeys(before, after)) {
    if (key === 'Fields') {
      const [oldFields, newFields] = await Promise.all([ctx.oldView.resolve(before.get('Fields')), ctx.newView.resolve(after.get('Fields'))]);
      if (!Array.isArray(newFields)) {
        other.push(key);
        continue;
      }
      findings.push(...(await fieldListChanges(ctx, `${what} /Fields`, Array.isArray(oldFields) ? oldFields : [], newFields)));
    } else if (key === 'SigFlags') {
      findings.push({ level: 'dss-timestamps', text: `${what}: /SigFlags ${before.has(key) ? 'changed' : 'added'}` });
    } else if (key === 'NeedAppearances' || key === 'DR') {
      findings.push({ level: 'form-filling', text: `${what}: /${key} ${before.has(key) ? 'changed' : 'added'}` });
    } else {
      other.push(key);
    }
  }
  if (other.length > 0) findings.push({ level: 'other', text: `${what}: ${keyList(other)} changed` });
  return findings;
}

function refNums(list: readonly PdfObject[]): Set<number> {
  return new Set(list.filter((item): item is PdfRef => item instanceof PdfRef).map((ref) => ref.num));
}

function fieldListChanges(ctx: UpdateContext, what: string, before: readonly PdfObject[], after: readonly PdfObject[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  const oldNums = refNums(before);
  const newNums = refNums(after);
  for (const num of oldNums) if (!newNums.has(num)) findings.push({ level: 'other', text: `${what}: field object ${num} removed` });
  for (const num of newNums) {
    if (oldNums.has(num)) continue;
    const field = ctx.newRoles.fields.get(num);
    if (!field) findings.push({ level: 'other', text: `${what}: object ${num}, not a field, added` });
    else if (field.kind === 'field') findings.push({ level: 'other', text: `${what}: new ${fieldWhat(field)} added` });
    else findings.push({ level: fieldLevel(field.kind), text: `${what}: new ${fieldWhat(field)} added` });
  }
  if (findings.length === 0 && !after.every((item, i) => sameValue(item, before[i]))) findings.push({ level: 'other', text: `${what}: fields reordered` });
  return Promise.resolve(findings);
}

async function fieldChanges(ctx: UpdateContext, num: number, field: FieldRole, before: PdfDict | null, after: PdfDict | null): Promise<Finding[]> {
  const what = `object ${num} (${fieldWhat(field)})`;
  if (!after) return [{ level: 'other', text: `${what} is no longer a dictionary` }];
  if (!before) {
    // A new field or widget: allowed for signature fields (their /Fields and /Annots entries are judged separately).
    return [{ level: field.kind === 'field' ? 'other' : fieldLevel(field.kind), text: `${what} added` }];
  }
  const findings: Finding[] = [];
  const other: string[] = [];
  for (const key of changedKeys(before, after)) {
    if (key === 'V') {
      if (field.kind === 'field') {
        findings.push({ level: 'form-filling', text: `${what}: value changed`, field: field.name });
      } else {
        const oldValue = await ctx.oldView.resolve(before.get('V'));
        if (oldValue === null) findings.push({ level: fieldLevel(field.kind), text: `${what}: signed`, field: field.name });
        else findings.push({ level: 'other', text: `${what}: its signature was replaced` });
      }
    } else if (key === 'AP' || key === 'AS') {
      findings.push({ level: fieldLevel(field.kind), text: `${what}: appearance (/${key}) changed`, ...(field.kind === 'field' ? { field: field.name } : {}) });
    } else {
      other.push(key);
    }
  }
  if (other.length > 0) findings.push({ level: 'other', text: `${what}: ${keyList(other)} changed` });
  return findings;
}

async function pageChanges(ctx: UpdateContext, num: number, page: number, before: PdfDict, after: PdfDict): Promise<Finding[]> {
  const what = `object ${num} (page ${page})`;
  const findings: Finding[] = [];
  const other: string[] = [];
  for (const key of changedKeys(before, after)) {
    if (key === 'Annots') {
      const [oldAnnots, newAnnots] = await Promise.all([ctx.oldView.resolve(before.get('Annots')), ctx.newView.resolve(after.get('Annots'))]);
      findings.push(...annotsChanges(ctx, `${what} /Annots`, page, Array.isArray(oldAnnots) ? oldAnnots : [], Array.isArray(newAnnots) ? newAnnots : []));
    } else {
      other.push(key);
    }
  }
  if (other.length > 0) findings.push({ level: 'other', text: `${what}: ${keyList(other)} changed` });
  return findings;
}

function annotsChanges(ctx: UpdateContext, what: string, page: number, before: readonly PdfObject[], after: readonly PdfObject[]): Finding[] {
  const findings: Finding[] = [];
  const oldNums = refNums(before);
  const newNums = refNums(after);
  for (const num of oldNums) {
    if (newNums.has(num)) continue;
    const widget = ctx.oldRoles.fields.get(num);
    if (widget) findings.push({ level: 'other', text: `${what}: widget of ${fieldWhat(widget)} removed` });
    else findings.push({ level: 'annotations', text: `${what}: annotation ${num} removed` });
  }
  for (const num of newNums) {
    if (oldNums.has(num)) continue;
    const widget = ctx.newRoles.fields.get(num);
    if (widget) {
      findings.push({ level: widget.kind === 'field' ? 'other' : fieldLevel(widget.kind), text: `${what}: widget of ${fieldWhat(widget)} added` });
    } else {
      const role = ctx.newRoles.roles.get(num);
      const subtype = role?.kind === 'annotation' ? role.subtype : 'unknown';
      findings.push({ level: 'annotations', text: `${what}: ${subtype} annotation ${num} added on page ${page}` });
    }
  }
  if (findings.length === 0 && !after.every((item, i) => sameValue(item, before[i]))) findings.push({ level: 'annotations', text: `${what}: annotations reordered` });
  return findings;
}
