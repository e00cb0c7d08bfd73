// Signing from the app: the open document, an identity, a placement and a level in; the signed
// copy, saved where the user says (never over the input) and opened, out. The engine is
// SigningSession (./signing): this file only decides the order of things and the output path.
//
// Order: check the request against the document (page number) -> open the identity (a wrong .p12
// password is said before any dialog) -> ask where to save -> sign -> reopen. An encrypted
// document is signed with the password typed to open it in the viewer (documentPassword), and
// stays encrypted; the password is used for this signature and the reopening, and kept nowhere.
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { DocumentSummary, Locale, SignRequest } from '../../preload/contract/schemas';
import type { AppearanceLabels } from '../pdf';
import { APPEARANCE_LABELS } from './locale';
import { AppError, msg } from '../errors';
import { DOC_MDP_PERMISSION } from '../../preload/contract/domain';
import type { Dialogs } from './dialogs';
import type { DocumentService } from './documents';
import type { IdentityService } from './identities';
import { appAuthorizer } from './authorizers';
import type { AskOtp, AskPin } from './authorizers';
import { appearanceDate, loadAppearanceFont, SigningSession } from './signing';
import type { SignOptions } from './signing';


export interface SignDocumentDeps {
  documents: DocumentService;
  identities: IdentityService;
  dialogs: Dialogs;
  /** The PIN dialog of the renderer (main's prompt:pin request). */
  askPin: AskPin;
  /** The one-time password dialog of the renderer (main's prompt:otp request). */
  askOtp?: AskOtp;
  /** Where assets/ lives (the app or the checkout). */
  root: string;
  /** The interface language now: the words of a visible signature follow it. */
  locale?: () => Promise<Locale>;
  /** The clock (tests). */
  now?: () => Date;
}

export interface SignedDocument {
  output: string;
  document: DocumentSummary;
}


/** The path the save dialog proposes: "<name>-signed.pdf" beside the input, not an existing file. */
export async function defaultOutputPath(input: string | null, name: string, fallbackDir: string = homedir()): Promise<string> {
  const dir = input ? dirname(input) : fallbackDir;
  const base = input ? basename(input) : name;
  const stem = extname(base).toLowerCase() === '.pdf' ? base.slice(0, -4) : base;
  for (let n = 1; ; n++) {
    const candidate = join(dir, `${stem}-signed${n > 1 ? `-${n}` : ''}.pdf`);
    if (!(await stat(candidate).then(() => true, () => false))) return candidate;
    if (n >= 99) return candidate;
  }
}

export { refuseInputAsOutput } from './same-file';

export class SignDocumentService {

  constructor(private readonly deps: SignDocumentDeps) {}

  /** A one-page PDF the size of the signature rectangle, showing its appearance for `identityId`. */
  async preview(request: { identityId: string; width: number; height: number; reason?: string; location?: string }): Promise<Uint8Array> {
    const identity = await this.deps.identities.get(request.identityId);
    const now = (this.deps.now ?? (() => new Date()))();
    return (await import('../pdf/preview')).appearancePreviewPdf({
      width: request.width,
      height: request.height,
      font: await loadAppearanceFont(this.deps.root),
      text: { name: identity.name, date: appearanceDate(now), reason: request.reason, location: request.location, labels: await this.labels() },
    });
  }

  /** Signs; null when the user cancels the save dialog (nothing written). */
  async sign(request: SignRequest): Promise<SignedDocument | null> {
    const { documents, identities, dialogs, root } = this.deps;
    const doc = documents.summary(request.docId);
    if (doc.signedVersion) {
      throw new AppError('signed-version', msg('error.app.signed-version'));
    }
    const { placement } = request;
    if (placement.kind === 'visible' && doc.pageCount !== null && placement.page > doc.pageCount) {
      throw new AppError('page-out-of-range', msg('error.app.page-out-of-range', { name: doc.name, pages: doc.pageCount, page: placement.page }));
    }
    const options: SignOptions = {
      level: request.level,
      tsaUrl: request.level === 'B-B' ? undefined : request.tsaUrl,
      hash: 'sha256',
      visible: placement.kind === 'visible' ? { page: placement.page, rect: placement.rect } : undefined,
      reason: request.reason?.trim() || undefined,
      location: request.location?.trim() || undefined,
      certify: request.certify ? DOC_MDP_PERMISSION[request.certify] : undefined,
      labels: await this.labels(),
      now: this.deps.now,
    };

    // A secret only goes to the identity that asks for one (the renderer sends nothing else).
    if (request.password !== undefined && !(await identities.get(request.identityId)).needsPassword) {
      throw new AppError('password-not-expected', msg('error.app.password-not-expected'));
    }
    // An encrypted document that cannot be signed (its password wrong or missing, its encryption
    // one Paraphe cannot keep) is refused before any PIN or password of the identity is asked.
    await documents.refuseUnsignable(doc.docId, request.documentPassword);
    const signer = await identities.openSigner(request.identityId, appAuthorizer({ password: request.password, askPin: this.deps.askPin, askOtp: this.deps.askOtp }));
    let output: string;
    try {
      const session = new SigningSession(signer, options, root);
      // The bytes that were opened (and viewed), never the path opened again: a file changed on
      // disk since is refused. A dropped document signs from its bytes.
      const input = { ...documents.signingInput(doc.docId), ...(request.documentPassword === undefined ? {} : { password: request.documentPassword }) };
      const chosen = await dialogs.chooseSavePath({ kind: 'signed-pdf', defaultPath: await defaultOutputPath(doc.path, doc.name) });
      if (chosen === null) return null;
      output = (await session.sign(input, resolve(chosen))).output;
    } finally {
      await signer.close();
    }
    return { output, document: await documents.openPath(output, undefined, { password: request.documentPassword }) };
  }

  private async labels(): Promise<AppearanceLabels> {
    return APPEARANCE_LABELS[this.deps.locale ? await this.deps.locale() : 'en'];
  }
}
