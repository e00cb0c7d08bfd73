import { useEffect, useRef, useState } from 'react';
import type { PDFDocumentProxy } from 'pdfjs-dist';
import { formatBytes } from '../i18n';
import { useT } from '../i18n/useT';
import { documentPassword, rememberDocumentPassword } from '../services/document-passwords';
import { backToCurrentVersion, closeDocument, openWithDialog } from '../services/documents';
import { useStore } from '../store';
import type { ZoomValue } from '../store';
import { ViewerController, ZOOM_STEPS } from '../viewer/controller';
import { PasswordDialog, askPassword } from './PasswordDialog';
import { SignatureOverlay } from './SignatureOverlay';
import { SignaturesPanel } from './SignaturesPanel';
import { SignPanel } from './SignPanel';
import { Thumbnails } from './Thumbnails';

function zoomOptionValue(zoom: ZoomValue): string {
  return typeof zoom === 'number' ? String(zoom) : zoom;
}

function isEditable(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName));
}

function PageInput({ controller }: { controller: ViewerController | null }) {
  const t = useT();
  const page = useStore((s) => s.page);
  const pageCount = useStore((s) => s.pageCount);
  const [draft, setDraft] = useState(String(page));
  useEffect(() => setDraft(String(page)), [page]);
  return (
    <label className="page-input">
      <span>{t('toolbar.page')}</span>
      <input
        type="text"
        inputMode="numeric"
        aria-label={t('toolbar.page')}
        value={draft}
        size={Math.max(2, String(pageCount).length)}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            const n = Number.parseInt(draft, 10);
            if (Number.isFinite(n)) controller?.goToPage(n);
            else setDraft(String(page));
          } else if (e.key === 'Escape') setDraft(String(page));
        }}
        onBlur={() => setDraft(String(page))}
      />
      <span className="page-count" data-testid="page-count">{t('toolbar.pageOf', { count: pageCount })}</span>
    </label>
  );
}

/** The toolbar's signature badge: how many signatures and, once checked, the overall status. */
function SignatureBadge({ count, onClick }: { count: number; onClick: () => void }) {
  const t = useT();
  const validation = useStore((s) => s.validation);
  const verdict = validation?.state === 'done' && validation.result.verdict !== 'NO_SIGNATURES' ? validation.result.verdict : null;
  let status: string | null = null;
  if (verdict) status = t(`verify.badge.${verdict}`);
  else if (validation === null || validation.state === 'checking') status = t('verify.badge.checking');
  return (
    <button type="button" className="badge signature-badge" data-testid="signature-badge" data-status={verdict ?? validation?.state ?? 'checking'} onClick={onClick} title={t('signatures.show')}>
      <span className="badge-count">{t('doc.signed', { count })}</span>
      {status && <span className="badge-status"> · {status}</span>}
    </button>
  );
}

function Toolbar({ controller }: { controller: ViewerController | null }) {
  const t = useT();
  const locale = useStore((s) => s.locale);
  const doc = useStore((s) => s.doc);
  const page = useStore((s) => s.page);
  const pageCount = useStore((s) => s.pageCount);
  const zoom = useStore((s) => s.zoom);
  const scale = useStore((s) => s.scale);
  const toggleThumbnails = useStore((s) => s.toggleThumbnails);
  const signPanelOpen = useStore((s) => s.signPanelOpen);
  const openSignPanel = useStore((s) => s.openSignPanel);
  const closeSignPanel = useStore((s) => s.closeSignPanel);
  const toggleSignatures = useStore((s) => s.toggleSignaturesPanel);
  const zoomValue = zoomOptionValue(zoom);
  const presets = ZOOM_STEPS.map(String);
  return (
    <div className="toolbar" role="toolbar">
      <button type="button" onClick={toggleThumbnails} aria-label={t('toolbar.thumbnails')} title={t('toolbar.thumbnails')}>☰</button>
      <button type="button" onClick={() => void openWithDialog()} aria-label={t('toolbar.open')} title={t('toolbar.open')}>{t('toolbar.openShort')}</button>
      <span className="doc-name" title={doc?.path ?? doc?.name}>{doc?.name}</span>
      {doc && <span className="doc-meta">{t('doc.info', { version: doc.pdfVersion, size: formatBytes(locale, doc.size) })}</span>}
      {doc && doc.signatureCount > 0 && (
        <SignatureBadge count={doc.signatureCount} onClick={() => toggleSignatures()} />
      )}
      {doc?.encrypted && <span className="badge">{t('doc.encrypted')}</span>}
      <span className="spacer" />
      <button type="button" onClick={() => controller?.previousPage()} disabled={page <= 1} aria-label={t('toolbar.previous')} title={t('toolbar.previous')}>‹</button>
      <PageInput controller={controller} />
      <button type="button" onClick={() => controller?.nextPage()} disabled={page >= pageCount} aria-label={t('toolbar.next')} title={t('toolbar.next')}>›</button>
      <span className="spacer" />
      <button type="button" onClick={() => controller?.zoomOut()} aria-label={t('toolbar.zoomOut')} title={t('toolbar.zoomOut')}>−</button>
      <select
        aria-label={t('toolbar.zoom')}
        value={zoomValue}
        onChange={(e) => {
          const v = e.target.value;
          controller?.setZoom(v === 'page-width' || v === 'page-fit' || v === 'auto' ? v : Number(v));
        }}
      >
        <option value="auto">{t('zoom.auto')}</option>
        <option value="page-width">{t('zoom.pageWidth')}</option>
        <option value="page-fit">{t('zoom.pageFit')}</option>
        {!presets.includes(zoomValue) && typeof zoom === 'number' && <option value={zoomValue}>{Math.round(scale * 100)} %</option>}
        {ZOOM_STEPS.map((s) => (
          <option key={s} value={String(s)}>{Math.round(s * 100)} %</option>
        ))}
      </select>
      <span className="scale" data-testid="scale">{Math.round(scale * 100)} %</span>
      <button type="button" onClick={() => controller?.zoomIn()} aria-label={t('toolbar.zoomIn')} title={t('toolbar.zoomIn')}>+</button>
      <button
        type="button"
        className={signPanelOpen ? 'sign-button active' : 'sign-button'}
        aria-pressed={signPanelOpen}
        disabled={!doc || doc.signedVersion !== undefined}
        onClick={() => (signPanelOpen ? closeSignPanel() : openSignPanel())}
        title={doc?.signedVersion ? t('signedVersion.cannotSign') : t('toolbar.signHint')}
      >
        {t('toolbar.sign')}
      </button>
      <button type="button" onClick={() => void closeDocument()} aria-label={t('toolbar.close')} title={t('toolbar.close')}>✕</button>
    </div>
  );
}

/** Says that an earlier, signed version is shown, and leads back to the current one. */
function SignedVersionBanner() {
  const t = useT();
  const version = useStore((s) => s.doc?.signedVersion);
  if (!version) return null;
  return (
    <div className="signed-version-banner" role="status" data-testid="signed-version-banner">
      <span>
        {version.field === null
          ? t('signedVersion.banner', { revision: version.revision, count: version.revisionCount })
          : t('signedVersion.bannerField', { field: version.field, revision: version.revision, count: version.revisionCount })}
      </span>
      <button type="button" onClick={() => void backToCurrentVersion()}>{t('signedVersion.back')}</button>
    </div>
  );
}

export function Viewer() {
  const doc = useStore((s) => s.doc);
  const thumbnailsVisible = useStore((s) => s.thumbnailsVisible);
  const signPanelOpen = useStore((s) => s.signPanelOpen);
  const signaturesPanelOpen = useStore((s) => s.signaturesPanelOpen);
  const drawing = useStore((s) => s.drawing);
  const containerRef = useRef<HTMLDivElement>(null);
  const [controller, setController] = useState<ViewerController | null>(null);
  const [pdf, setPdf] = useState<PDFDocumentProxy | null>(null);

  useEffect(() => {
    const container = containerRef.current;
    if (!container || !doc) return;
    const store = useStore.getState();
    let knownPassword = documentPassword(doc.docId);
    const ctl = new ViewerController(container, {
      onPageChange: (p) => useStore.getState().setPage(p),
      onPagesCount: (n) => useStore.getState().setPageCount(n),
      // Thumbnails wait for the first page: they must not compete with it for the main thread.
      onFirstPaint: () => setPdf(ctl.document),
      onScaleChange: (scale, preset) => {
        useStore.getState().setScale(scale);
        useStore.getState().setZoom(preset);
      },
      onError: (error) => {
        useStore.getState().fail(error);
        void closeDocument();
      },
      // A signed copy of an encrypted document opens with the password it was signed with, once.
      askPassword: (incorrect) => {
        const known = knownPassword;
        knownPassword = undefined;
        return known !== undefined && !incorrect ? Promise.resolve(known) : askPassword(doc.name, incorrect);
      },
      onPasswordAccepted: (password) => rememberDocumentPassword(doc.docId, password),
    });
    setController(ctl);
    store.setPage(1);
    void ctl.load(doc);
    return () => {
      setPdf(null);
      setController(null);
      void ctl.destroy();
    };
  }, [doc]);

  useEffect(() => {
    if (!controller) return;
    const onKey = (e: KeyboardEvent) => {
      if (isEditable(e.target)) return;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && (e.key === '+' || e.key === '=')) controller.zoomIn();
      else if (mod && e.key === '-') controller.zoomOut();
      else if (mod && e.key === '0') controller.setZoom('auto');
      else if (!mod && (e.key === 'PageDown' || e.key === 'ArrowRight' || e.key === 'n')) controller.nextPage();
      else if (!mod && (e.key === 'PageUp' || e.key === 'ArrowLeft' || e.key === 'p')) controller.previousPage();
      else if (!mod && e.key === 'Home') controller.goToPage(1);
      else if (!mod && e.key === 'End') controller.goToPage(controller.pagesCount);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [controller]);

  return (
    <section className="viewer-screen" aria-label={doc?.name}>
      <Toolbar controller={controller} />
      <SignedVersionBanner />
      <PasswordDialog />
      <div className="viewer-body">
        {thumbnailsVisible && pdf && <Thumbnails pdf={pdf} onSelect={(n) => controller?.goToPage(n)} />}
        <div className="viewer-pane">
          <div ref={containerRef} className={drawing ? 'viewer-container drawing' : 'viewer-container'} data-testid="viewer" tabIndex={0}>
            {/* pdf.js's PDFViewer owns the first child; the signature rectangle is drawn beside it. */}
            <div className="pdfViewer" />
            <SignatureOverlay controller={controller} containerRef={containerRef} />
          </div>
        </div>
        {signPanelOpen && <SignPanel />}
        {!signPanelOpen && signaturesPanelOpen && <SignaturesPanel />}
      </div>
    </section>
  );
}
