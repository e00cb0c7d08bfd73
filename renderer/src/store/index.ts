// One bound zustand store made of slices. Components select single fields (atomic selectors);
// actions that talk to main live in renderer/services, not here.
import { create } from 'zustand';
import type { StateCreator } from 'zustand';
import type { AppInfo, DocumentSummary, Locale, LocalePreference, RecentDocument } from '../../../preload/contract/schemas';

export interface UiError {
  code: string;
  message: string;
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

export type Store = AppSlice & DocumentSlice & RecentSlice;

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
  passwordPrompt: null,
  setPasswordPrompt: (passwordPrompt) => set({ passwordPrompt }),
  startOpening: (name) => set({ status: 'opening', openingName: name, error: null }),
  documentOpened: (doc) => set({ doc, status: 'ready', openingName: null, page: 1, pageCount: doc.pageCount ?? 0, zoom: 'auto' }),
  documentClosed: () => set({ doc: null, status: 'idle', openingName: null, page: 1, pageCount: 0, passwordPrompt: null }),
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

export const useStore = create<Store>()((...a) => ({
  ...createAppSlice(...a),
  ...createDocumentSlice(...a),
  ...createRecentSlice(...a),
}));
