// Page thumbnails, virtualized: only the thumbnails in (or near) the visible part of the list are
// mounted and rendered, so a 1,000-page document costs the same here as a 10-page one. Every slot
// has the height of page 1's thumbnail; other page shapes are fitted inside it. Rendered
// thumbnails are kept (a bounded cache) so scrolling back does not render them again.
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { PDFDocumentProxy } from 'pdfjs-dist';
import { useT } from '../i18n/useT';
import { useStore } from '../store';

const THUMB_WIDTH = 96;
const SLOT_EXTRA = 8 + 18 + 8; // padding, page number, gap
const OVERSCAN = 4;
const CACHE_SIZE = 200;

type Cache = Map<number, HTMLCanvasElement>;

/**
 * Thumbnails render one at a time, each when the main thread is idle, so a screenful of them
 * never delays the page being read. A job whose thumbnail scrolled away is skipped.
 */
const queue: { run: () => Promise<void>; cancelled: () => boolean }[] = [];
let draining = false;
function whenIdle(): Promise<void> {
  return new Promise((resolve) => {
    if ('requestIdleCallback' in window) window.requestIdleCallback(() => resolve(), { timeout: 500 });
    else setTimeout(resolve, 16);
  });
}
function schedule(run: () => Promise<void>, cancelled: () => boolean): void {
  queue.push({ run, cancelled });
  if (draining) return;
  draining = true;
  void (async () => {
    while (queue.length > 0) {
      const job = queue.shift();
      if (!job || job.cancelled()) continue;
      await whenIdle();
      if (!job.cancelled()) await job.run().catch(() => undefined);
    }
    draining = false;
  })();
}

function remember(cache: Cache, number: number, canvas: HTMLCanvasElement): void {
  cache.delete(number);
  cache.set(number, canvas);
  while (cache.size > CACHE_SIZE) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
}

function Thumbnail(props: { pdf: PDFDocumentProxy; number: number; top: number; boxHeight: number; current: boolean; cache: Cache; onSelect: (n: number) => void }) {
  const { pdf, number, top, boxHeight, current, cache, onSelect } = props;
  const t = useT();
  const holder = useRef<HTMLSpanElement>(null);
  const [rendered, setRendered] = useState(false);

  useEffect(() => {
    const target = holder.current;
    if (!target) return;
    const cached = cache.get(number);
    if (cached) {
      target.replaceChildren(cached);
      setRendered(true);
      return;
    }
    let cancelled = false;
    let task: { cancel(): void } | null = null;
    schedule(async () => {
      const page = await pdf.getPage(number);
      if (cancelled) return;
      const base = page.getViewport({ scale: 1 });
      const scale = Math.min(THUMB_WIDTH / base.width, boxHeight / base.height);
      const viewport = page.getViewport({ scale });
      const canvas = document.createElement('canvas');
      canvas.width = Math.ceil(viewport.width);
      canvas.height = Math.ceil(viewport.height);
      const render = page.render({ canvas, viewport });
      task = render;
      await render.promise;
      remember(cache, number, canvas);
      if (cancelled) return;
      target.replaceChildren(canvas);
      setRendered(true);
    }, () => cancelled);
    return () => {
      cancelled = true;
      task?.cancel();
    };
  }, [pdf, number, boxHeight, cache]);

  return (
    <button
      type="button"
      className={current ? 'thumb current' : 'thumb'}
      style={{ top }}
      aria-current={current ? 'page' : undefined}
      aria-label={t('thumbnails.page', { number })}
      data-page-number={number}
      data-rendered={rendered ? 'true' : undefined}
      onClick={() => onSelect(number)}
    >
      <span className="thumb-canvas" ref={holder} style={{ height: boxHeight }} />
      <span className="thumb-number">{number}</span>
    </button>
  );
}

export function Thumbnails({ pdf, onSelect }: { pdf: PDFDocumentProxy; onSelect: (n: number) => void }) {
  const t = useT();
  const page = useStore((s) => s.page);
  const list = useRef<HTMLElement>(null);
  const [boxHeight, setBoxHeight] = useState<number | null>(null);
  const [view, setView] = useState({ top: 0, height: 800 });
  const [cache] = useState<Cache>(() => new Map());
  const count = pdf.numPages;

  useEffect(() => {
    let cancelled = false;
    void pdf.getPage(1).then((first) => {
      const base = first.getViewport({ scale: 1 });
      if (!cancelled) setBoxHeight(Math.round((THUMB_WIDTH * base.height) / base.width));
    }, () => setBoxHeight(Math.round(THUMB_WIDTH * 1.414)));
    return () => {
      cancelled = true;
    };
  }, [pdf]);

  useLayoutEffect(() => {
    const element = list.current;
    if (!element) return;
    const update = () => setView({ top: element.scrollTop, height: element.clientHeight });
    update();
    element.addEventListener('scroll', update, { passive: true });
    const resize = new ResizeObserver(update);
    resize.observe(element);
    return () => {
      element.removeEventListener('scroll', update);
      resize.disconnect();
    };
  }, [boxHeight]);

  const slot = (boxHeight ?? 0) + SLOT_EXTRA;

  // Keep the current page's thumbnail in sight.
  useEffect(() => {
    const element = list.current;
    if (!element || boxHeight === null) return;
    const top = (page - 1) * slot;
    if (top < element.scrollTop) element.scrollTop = top;
    else if (top + slot > element.scrollTop + element.clientHeight) element.scrollTop = top + slot - element.clientHeight;
  }, [page, slot, boxHeight]);

  const first = boxHeight === null ? 1 : Math.max(1, Math.floor(view.top / slot) + 1 - OVERSCAN);
  const last = boxHeight === null ? 0 : Math.min(count, Math.ceil((view.top + view.height) / slot) + OVERSCAN);
  const visible: number[] = [];
  for (let n = first; n <= last; n += 1) visible.push(n);

  return (
    <nav className="thumbnails" aria-label={t('thumbnails.label')} ref={list}>
      <div className="thumb-track" style={{ height: count * slot }}>
        {boxHeight !== null && visible.map((n) => (
          <Thumbnail key={n} pdf={pdf} number={n} top={(n - 1) * slot} boxHeight={boxHeight} current={n === page} cache={cache} onSelect={onSelect} />
        ))}
      </div>
    </nav>
  );
}
