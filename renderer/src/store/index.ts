// One bound zustand store made of slices. Components select single fields (atomic selectors);
// actions that talk to main live in renderer/services, not here.
import { create } from 'zustand';
import type { StateCreator } from 'zustand';
import type {
  AppInfo, CertifyMode, DocumentSummary, DocumentValidation, Identity, IssuerCertificate, IssuerImport, Locale, LocalePreference, PadesLevel,
  RecentDocument, RemoteAccountView, SigningWarning, TokenList,
} from '../../../preload/contract/schemas';

/**
 * An error as the interface shows it: the stable code (headline, tests), main's sentence as a
 * catalog key with its params (worded in the interface language), and the English text, shown
 * only in English when there is no key.
 */
export interface UiError {
  code: string;
  message: string;
  key?: string;
  params?: Readonly<Record<string, string | number>>;
}

export interface AppSlice {
  locale: Locale;
  localePreference: LocalePreference;
  appInfo: AppInfo | null;
  setLocale: (locale: Locale, preference: LocalePreference) => void;
  setAppInfo: (info: AppInfo) => void;
}

export type ZoomValue = 'page-width' | 'page-fit' | 'auto' | number;
export type DocStatus = 'idle' | 'opening' | 'ready';

/** The background check of the open document's signatures. */
export type ValidationState =
  | { docId: string; state: 'checking' }
  | { docId: string; state: 'done'; result: DocumentValidation }
  | { docId: string; state: 'failed'; error: UiError };

export interface DocumentSlice {
  doc: DocumentSummary | null;
  status: DocStatus;
  openingName: string | null;
  error: UiError | null;
  page: number;
  pageCount: number;
  zoom: ZoomValue;
  /** The scale pdf.js applied (1 = 100 %), whatever the zoom mode. */
  scale: number;
  thumbnailsVisible: boolean;
  /**
   * The signatures check of the open document (null: not started, or nothing to check). Always
   * about `doc`: every action that changes `doc` sets it too, and `setValidation` keeps it so.
   */
  validation: ValidationState | null;
  /** Ignored unless it is about the open document (a check may end after another was opened). */
  setValidation: (validation: ValidationState) => void;
  /** While an earlier, signed version is shown: the current document to go back to, with its check. */
  currentVersion: { doc: DocumentSummary; validation: ValidationState | null } | null;
  /** Shows `signedVersion` (opened from the open document), keeping the open one to go back to. */
  signedVersionOpened: (signedVersion: DocumentSummary) => void;
  /** Back from a signed version to the current document, its panel open as it was left. */
  backToCurrentVersion: () => void;
  /** pdf.js needs the user's password to open the document (it stays in the renderer). */
  passwordPrompt: { name: string; incorrect: boolean } | null;
  setPasswordPrompt: (prompt: { name: string; incorrect: boolean } | null) => void;
  startOpening: (name: string) => void;
  documentOpened: (doc: DocumentSummary) => void;
  documentClosed: () => void;
  fail: (error: UiError) => void;
  dismissError: () => void;
  setPage: (page: number) => void;
  setPageCount: (count: number) => void;
  setZoom: (zoom: ZoomValue) => void;
  setScale: (scale: number) => void;
  toggleThumbnails: () => void;
}

export interface RecentSlice {
  recent: RecentDocument[];
  setRecent: (recent: RecentDocument[]) => void;
}

/** A signature rectangle on a page, in PDF points (default user space, origin bottom-left). */
export interface SignatureRect {
  page: number;
  rect: [number, number, number, number];
}

/** The width and height of a signature rectangle, in points. */
export function rectSize({ rect }: SignatureRect): { width: number; height: number } {
  return { width: rect[2] - rect[0], height: rect[3] - rect[1] };
}

/** The settings dialog: the issuer certificates imported (null until listed), and what the last change did. */
export interface SettingsSlice {
  settingsOpen: boolean;
  openSettings: () => void;
  closeSettings: () => void;
  issuerCertificates: IssuerCertificate[] | null;
  setIssuerCertificates: (certificates: IssuerCertificate[]) => void;
  /** The last import's counts, or its error (one or the other, null before any). */
  issuerOutcome: { kind: 'imported'; counts: Omit<IssuerImport, 'certificates'> } | { kind: 'failed'; error: UiError } | null;
  setIssuerOutcome: (outcome: SettingsSlice['issuerOutcome']) => void;
  /** Settings → Accounts: the remote signing accounts (null until listed). */
  remoteAccounts: RemoteAccountView[] | null;
  setRemoteAccounts: (accounts: RemoteAccountView[]) => void;
  /** The account an action waits on (a sign-in waits on the browser), or null. */
  remoteBusy: { name: string; action: 'login' | 'logout' | 'remove' } | null;
  setRemoteBusy: (busy: SettingsSlice['remoteBusy']) => void;
  /** What the last action on the accounts did, or its error. */
  remoteOutcome: { kind: 'added' | 'signed-in' | 'checked' | 'signed-out'; name: string } | { kind: 'failed'; name: string | null; error: UiError } | null;
  setRemoteOutcome: (outcome: SettingsSlice['remoteOutcome']) => void;
}

export type PlacementMode = 'invisible' | 'visible';
export type CertifyChoice = 'none' | CertifyMode;

export interface SignSlice {
  signPanelOpen: boolean;
  identities: Identity[];
  identitiesLoaded: boolean;
  selectedIdentityId: string | null;
  placementMode: PlacementMode;
  /** The user is dragging (or about to drag) the signature rectangle on a page. */
  drawing: boolean;
  signatureRect: SignatureRect | null;
  reason: string;
  location: string;
  level: PadesLevel;
  tsaUrl: string;
  certify: CertifyChoice;
  signing: boolean;
  /** What main says before signing with the selected identity (an incomplete chain), for that identity only. */
  signWarnings: { identityId: string; warnings: SigningWarning[] } | null;
  setSignWarnings: (warnings: { identityId: string; warnings: SigningWarning[] } | null) => void;
  /** The last error of the sign panel (identity, preview, signing), shown in the panel. */
  signError: UiError | null;
  /** Where the last signed copy was saved (a confirmation line in the signatures panel). */
  lastSignedPath: string | null;
  signaturesPanelOpen: boolean;
  openSignPanel: () => void;
  closeSignPanel: () => void;
  setIdentities: (identities: Identity[], select?: string | null) => void;
  /** Token drivers, tokens plugged in and their certificates (null until first listed). */
  tokens: TokenList | null;
  setTokens: (tokens: TokenList) => void;
  selectIdentity: (id: string | null) => void;
  setPlacementMode: (mode: PlacementMode) => void;
  setDrawing: (drawing: boolean) => void;
  setSignatureRect: (rect: SignatureRect | null) => void;
  setSignField: (field: 'reason' | 'location' | 'tsaUrl', value: string) => void;
  setLevel: (level: PadesLevel) => void;
  setCertify: (certify: CertifyChoice) => void;
  setSigning: (signing: boolean) => void;
  setSignError: (error: UiError | null) => void;
  signed: (path: string) => void;
  toggleSignaturesPanel: (open?: boolean) => void;
}

export type Store = AppSlice & DocumentSlice & RecentSlice & SignSlice & SettingsSlice;

const createAppSlice: StateCreator<Store, [], [], AppSlice> = (set) => ({
  locale: 'en',
  localePreference: 'system',
  appInfo: null,
  setLocale: (locale, localePreference) => set({ locale, localePreference }),
  setAppInfo: (appInfo) => set({ appInfo }),
});

const createDocumentSlice: StateCreator<Store, [], [], DocumentSlice> = (set) => ({
  doc: null,
  status: 'idle',
  openingName: null,
  error: null,
  page: 1,
  pageCount: 0,
  zoom: 'auto',
  scale: 1,
  thumbnailsVisible: true,
  validation: null,
  setValidation: (validation) =>
    set((s) => {
      if (s.doc?.docId === validation.docId) return { validation };
      if (s.currentVersion?.doc.docId === validation.docId) return { currentVersion: { ...s.currentVersion, validation } };
      return {};
    }),
  currentVersion: null,
  signedVersionOpened: (signedVersion) =>
    set((s) => ({
      currentVersion: s.doc ? { doc: s.doc, validation: s.validation } : null,
      doc: signedVersion, status: 'ready', page: 1, pageCount: signedVersion.pageCount ?? 0, zoom: 'auto', signatureRect: null, drawing: false,
      signPanelOpen: false, signaturesPanelOpen: false, validation: null,
    })),
  backToCurrentVersion: () =>
    set((s) =>
      s.currentVersion
        ? { doc: s.currentVersion.doc, validation: s.currentVersion.validation, currentVersion: null, page: 1, pageCount: s.currentVersion.doc.pageCount ?? 0, zoom: 'auto', signaturesPanelOpen: true }
        : {},
    ),
  passwordPrompt: null,
  setPasswordPrompt: (passwordPrompt) => set({ passwordPrompt }),
  startOpening: (name) => set({ status: 'opening', openingName: name, error: null }),
  documentOpened: (doc) => set({ doc, currentVersion: null, status: 'ready', openingName: null, page: 1, pageCount: doc.pageCount ?? 0, zoom: 'auto', signatureRect: null, drawing: false, lastSignedPath: null, signaturesPanelOpen: false, validation: null }),
  documentClosed: () => set({ doc: null, currentVersion: null, validation: null, status: 'idle', openingName: null, page: 1, pageCount: 0, passwordPrompt: null, signPanelOpen: false, signaturesPanelOpen: false, signatureRect: null, drawing: false, lastSignedPath: null }),
  fail: (error) => set((s) => ({ error, status: s.doc ? 'ready' : 'idle', openingName: null })),
  dismissError: () => set({ error: null }),
  setPage: (page) => set({ page }),
  setPageCount: (pageCount) => set({ pageCount }),
  setZoom: (zoom) => set({ zoom }),
  setScale: (scale) => set({ scale }),
  toggleThumbnails: () => set((s) => ({ thumbnailsVisible: !s.thumbnailsVisible })),
});

const createRecentSlice: StateCreator<Store, [], [], RecentSlice> = (set) => ({
  recent: [],
  setRecent: (recent) => set({ recent }),
});

const createSignSlice: StateCreator<Store, [], [], SignSlice> = (set) => ({
  signPanelOpen: false,
  identities: [],
  identitiesLoaded: false,
  selectedIdentityId: null,
  placementMode: 'invisible',
  drawing: false,
  signatureRect: null,
  reason: '',
  location: '',
  level: 'B-B',
  tsaUrl: '',
  certify: 'none',
  signing: false,
  signWarnings: null,
  setSignWarnings: (signWarnings) => set({ signWarnings }),
  signError: null,
  lastSignedPath: null,
  signaturesPanelOpen: false,
  openSignPanel: () => set({ signPanelOpen: true, signaturesPanelOpen: false, signError: null }),
  closeSignPanel: () => set({ signPanelOpen: false, drawing: false, signError: null }),
  tokens: null,
  setTokens: (tokens) => set({ tokens }),
  setIdentities: (identities, select) =>
    set((s) => {
      const wanted = select === undefined ? s.selectedIdentityId : select;
      const selected = identities.some((i) => i.id === wanted) ? wanted : (identities[0]?.id ?? null);
      return { identities, identitiesLoaded: true, selectedIdentityId: selected };
    }),
  selectIdentity: (selectedIdentityId) => set({ selectedIdentityId, signError: null }),
  setPlacementMode: (placementMode) => set({ placementMode, drawing: placementMode === 'visible', signatureRect: null }),
  setDrawing: (drawing) => set({ drawing }),
  setSignatureRect: (signatureRect) => set({ signatureRect, drawing: false }),
  setSignField: (field, value) => set({ [field]: value } as Pick<SignSlice, typeof field>),
  setLevel: (level) => set({ level }),
  setCertify: (certify) => set({ certify }),
  setSigning: (signing) => set({ signing }),
  setSignError: (signError) => set({ signError }),
  signed: (lastSignedPath) => set({ lastSignedPath, signPanelOpen: false, drawing: false, signatureRect: null, signing: false, signError: null, signaturesPanelOpen: true }),
  toggleSignaturesPanel: (open) => set((s) => ({ signaturesPanelOpen: open ?? !s.signaturesPanelOpen })),
});

const createSettingsSlice: StateCreator<Store, [], [], SettingsSlice> = (set) => ({
  settingsOpen: false,
  openSettings: () => set({ settingsOpen: true, issuerOutcome: null, remoteOutcome: null }),
  closeSettings: () => set({ settingsOpen: false, issuerOutcome: null, remoteOutcome: null }),
  issuerCertificates: null,
  setIssuerCertificates: (issuerCertificates) => set({ issuerCertificates }),
  issuerOutcome: null,
  setIssuerOutcome: (issuerOutcome) => set({ issuerOutcome }),
  remoteAccounts: null,
  setRemoteAccounts: (remoteAccounts) => set({ remoteAccounts }),
  remoteBusy: null,
  setRemoteBusy: (remoteBusy) => set({ remoteBusy }),
  remoteOutcome: null,
  setRemoteOutcome: (remoteOutcome) => set({ remoteOutcome }),
});

export const useStore = create<Store>()((...a) => ({
  ...createAppSlice(...a),
  ...createDocumentSlice(...a),
  ...createRecentSlice(...a),
  ...createSignSlice(...a),
  ...createSettingsSlice(...a),
}));
