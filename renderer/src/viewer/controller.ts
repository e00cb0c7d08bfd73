// The document view: pdf.js's PDFViewer over a range transport fed by main (document:readRange),
// so only the bytes of the pages on screen are read and rendered (small files come in one read). PDFViewer renders pages lazily
// (those visible plus a small buffer) and drops far-away canvases: a 1,000-page document opens as
// fast as a 1-page one.
import { pdfjsLib } from './pdfjs-global';
import { EventBus, PDFLinkService, PDFViewer } from 'pdfjs-dist/web/pdf_viewer.mjs';
import type { PDFDocumentProxy, PageViewport } from 'pdfjs-dist';
import type { DocumentSummary } from '../../../preload/contract/schemas';
import { call, toUiError } from '../services/api';
import type { UiError, ZoomValue } from '../store';

/** Files up to this size are read in one request: fewer round trips than ranges would take. */
const WHOLE_FILE_LIMIT = 2 * 1024 * 1024;
/** pdf.js counts a chunk as loaded only when it is whole: the initial data is exactly one chunk. */
const RANGE_CHUNK = 256 * 1024;
export const ZOOM_STEPS = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4];

interface ViewerCallbacks {
  onPageChange(page: number): void;
  onPagesCount(count: number): void;
  /** The first page on screen is painted: the moment to start secondary work (thumbnails). */
  onFirstPaint(): void;
  onScaleChange(scale: number, preset: ZoomValue): void;
  onError(error: UiError): void;
  /** The document's password, typed by the user; null when they cancel. */
  askPassword(incorrect: boolean): Promise<string | null>;
  /** pdf.js opened the document with this password (the user's, or one askPassword knew). */
  onPasswordAccepted?(password: string): void;
}

/** A page on screen: its element (pdf.js's page div) and its viewport at the current scale. */
export interface PageGeometry {
  element: HTMLDivElement;
  viewport: PageViewport;
}

export class ViewerController {
  private readonly eventBus = new EventBus();
  private readonly viewer: PDFViewer;
  private readonly linkService: PDFLinkService;
  private pdf: PDFDocumentProxy | null = null;
  private loadingTask: { destroy(): Promise<void> } | null = null;
  private destroyed = false;

  constructor(
    container: HTMLDivElement,
    private readonly callbacks: ViewerCallbacks,
  ) {
    this.linkService = new PDFLinkService({ eventBus: this.eventBus, externalLinkTarget: 0 });
    this.viewer = new PDFViewer({
      container,
      eventBus: this.eventBus,
      linkService: this.linkService,
      textLayerMode: 1,
      annotationMode: pdfjsLib.AnnotationMode.ENABLE_FORMS,
      // pdf.js must not pull remote resources or open links by itself
      imageResourcesPath: './pdfjs/images/',
    });
    this.linkService.setViewer(this.viewer);
    this.eventBus.on('pagesinit', () => {
      this.viewer.currentScaleValue = 'auto';
    });
    let painted = false;
    this.eventBus.on('pagerendered', () => {
      if (painted) return;
      painted = true;
      callbacks.onFirstPaint();
    });
    this.eventBus.on('pagechanging', (e: { pageNumber: number }) => callbacks.onPageChange(e.pageNumber));
    this.eventBus.on('scalechanging', (e: { scale: number; presetValue?: string }) => {
      const preset = e.presetValue === 'page-width' || e.presetValue === 'page-fit' || e.presetValue === 'auto' ? e.presetValue : e.scale;
      callbacks.onScaleChange(e.scale, preset);
    });
  }

  async load(doc: DocumentSummary): Promise<void> {
    const whole = doc.size <= WHOLE_FILE_LIMIT;
    const initial = await call('readDocumentRange', { docId: doc.docId, begin: 0, end: whole ? doc.size : RANGE_CHUNK });
    const common = {
      enableXfa: false,
      cMapUrl: './pdfjs/cmaps/',
      cMapPacked: true,
      standardFontDataUrl: './pdfjs/standard_fonts/',
      wasmUrl: './pdfjs/wasm/',
    };
    let task;
    if (whole) {
      task = pdfjsLib.getDocument({ ...common, data: initial });
    } else {
      const transport = new pdfjsLib.PDFDataRangeTransport(doc.size, initial);
      transport.requestDataRange = (begin: number, end: number) => {
        call('readDocumentRange', { docId: doc.docId, begin, end })
          .then((chunk) => {
            if (!this.destroyed) transport.onDataRange(begin, chunk);
          })
          .catch((error: unknown) => this.callbacks.onError({ ...toUiError(error), code: 'render-failed' }));
      };
      task = pdfjsLib.getDocument({ ...common, range: transport, rangeChunkSize: RANGE_CHUNK, disableAutoFetch: true, disableStream: true });
    }
    this.loadingTask = task;
    // pdf.js decrypts in the renderer: the password goes from the user's keyboard to pdf.js (and,
    // once accepted, to main only with a request to sign or check the document; never logged).
    // reason 2 = the previous try was wrong.
    let tried: string | null = null;
    task.onPassword = (update: (password: string) => void, reason: number) => {
      this.callbacks.askPassword(reason === pdfjsLib.PasswordResponses.INCORRECT_PASSWORD).then((password) => {
        if (this.destroyed) return;
        if (password === null) {
          this.callbacks.onError({ code: 'password-required', message: `${doc.name} is protected by a password.`, key: 'viewer.passwordRequired', params: { name: doc.name } });
          void task.destroy();
        } else {
          tried = password;
          update(password);
        }
      }, () => undefined);
    };
    try {
      const pdf = await task.promise;
      if (this.destroyed) {
        await task.destroy();
        return;
      }
      this.pdf = pdf;
      if (tried !== null) this.callbacks.onPasswordAccepted?.(tried);
      this.viewer.setDocument(pdf);
      this.linkService.setDocument(pdf);
      this.callbacks.onPagesCount(pdf.numPages);
    } catch (error) {
      if (this.destroyed) return;
      const name = error instanceof Error ? error.name : '';
      if (name === 'PasswordException') return; // reported by onPassword
      this.callbacks.onError({ ...toUiError(error), code: 'render-failed' });
    }
  }

  get document(): PDFDocumentProxy | null {
    return this.pdf;
  }

  get pagesCount(): number {
    return this.viewer.pagesCount;
  }

  /** The page's element and viewport (to map CSS pixels to PDF points); null before layout. */
  pageGeometry(pageNumber: number): PageGeometry | null {
    if (!this.pdf || pageNumber < 1 || pageNumber > this.viewer.pagesCount) return null;
    const view = this.viewer.getPageView(pageNumber - 1) as { div?: HTMLDivElement; viewport?: PageViewport } | undefined;
    return view?.div && view.viewport ? { element: view.div, viewport: view.viewport } : null;
  }

  /** Calls `listener` whenever pages move or change size (zoom, layout, rotation); returns the unsubscribe function. */
  onLayout(listener: () => void): () => void {
    const events = ['pagesinit', 'scalechanging', 'pagerendered', 'rotationchanging', 'resize'];
    // pdf.js resizes the page divs after dispatching 'scalechanging': listen after that frame too.
    const handler = () => {
      listener();
      requestAnimationFrame(() => listener());
    };
    for (const name of events) this.eventBus.on(name, handler);
    return () => {
      for (const name of events) this.eventBus.off(name, handler);
    };
  }

  goToPage(page: number): void {
    if (!this.pdf) return;
    const clamped = Math.min(Math.max(1, Math.round(page)), this.pdf.numPages);
    this.viewer.currentPageNumber = clamped;
  }

  nextPage(): void {
    this.goToPage(this.viewer.currentPageNumber + 1);
  }

  previousPage(): void {
    this.goToPage(this.viewer.currentPageNumber - 1);
  }

  setZoom(zoom: ZoomValue): void {
    if (!this.pdf) return;
    if (typeof zoom === 'number') this.viewer.currentScale = zoom;
    else this.viewer.currentScaleValue = zoom;
  }

  zoomIn(): void {
    const current = this.viewer.currentScale;
    const next = ZOOM_STEPS.find((s) => s > current + 0.001) ?? ZOOM_STEPS[ZOOM_STEPS.length - 1] ?? current;
    this.setZoom(next);
  }

  zoomOut(): void {
    const current = this.viewer.currentScale;
    const next = [...ZOOM_STEPS].reverse().find((s) => s < current - 0.001) ?? ZOOM_STEPS[0] ?? current;
    this.setZoom(next);
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    this.viewer.setDocument(null as unknown as PDFDocumentProxy);
    this.linkService.setDocument(null);
    this.pdf = null;
    // Destroying the loading task destroys the document and its worker-side state.
    if (this.loadingTask) await this.loadingTask.destroy();
  }
}
