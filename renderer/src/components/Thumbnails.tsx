// Page thumbnails, rendered only when scrolled into view (IntersectionObserver), so a 1,000-page
// document costs 1,000 empty buttons and a handful of small canvases.
import { useEffect, useRef } from 'react';
import type { PDFDocumentProxy } from 'pdfjs-dist';
import { useT } from '../i18n/useT';
import { useStore } from '../store';

const THUMB_WIDTH = 96;

function Thumbnail({ pdf, number, onSelect }: { pdf: PDFDocumentProxy; number: number; onSelect: (n: number) => void }) {
  const t = useT();
  const current = useStore((s) => s.page === number);
  const ref = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const button = ref.current;
    if (!button) return;
    let cancelled = false;
    let renderTask: { cancel(): void } | null = null;
    const observer = new IntersectionObserver(
      (entries) => {
        if (!entries.some((e) => e.isIntersecting)) return;
        observer.disconnect();
        void pdf.getPage(number).then((page) => {
          if (cancelled) return;
          const base = page.getViewport({ scale: 1 });
          const viewport = page.getViewport({ scale: THUMB_WIDTH / base.width });
          const canvas = document.createElement('canvas');
          canvas.width = Math.ceil(viewport.width);
          canvas.height = Math.ceil(viewport.height);
          const task = page.render({ canvas, viewport });
          renderTask = task;
          return task.promise.then(() => {
            if (cancelled) return;
            button.querySelector('.thumb-canvas')?.replaceChildren(canvas);
            button.dataset.rendered = 'true';
          });
        }).catch(() => undefined);
      },
      { rootMargin: '200px' },
    );
    observer.observe(button);
    return () => {
      cancelled = true;
      observer.disconnect();
      renderTask?.cancel();
    };
  }, [pdf, number]);

  useEffect(() => {
    if (current) ref.current?.scrollIntoView({ block: 'nearest' });
  }, [current]);

  return (
    <button
      ref={ref}
      type="button"
      className={current ? 'thumb current' : 'thumb'}
      aria-current={current ? 'page' : undefined}
      aria-label={t('thumbnails.page', { number })}
      data-page-number={number}
      onClick={() => onSelect(number)}
    >
      <span className="thumb-canvas" />
      <span className="thumb-number">{number}</span>
    </button>
  );
}

export function Thumbnails({ pdf, onSelect }: { pdf: PDFDocumentProxy; onSelect: (n: number) => void }) {
  const t = useT();
  const numbers = Array.from({ length: pdf.numPages }, (_, i) => i + 1);
  return (
    <nav className="thumbnails" aria-label={t('thumbnails.label')}>
      {numbers.map((n) => (
        <Thumbnail key={n} pdf={pdf} number={n} onSelect={onSelect} />
      ))}
    </nav>
  );
}
