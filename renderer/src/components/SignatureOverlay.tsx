// The signature rectangle on the page: while the sign panel asks for it, the user drags a
// rectangle over a page of the viewer; the corners are converted from CSS pixels to PDF points
// with the page's pdf.js viewport (convertToPdfPoint), so the rectangle is right at any zoom and
// on rotated pages. The chosen rectangle stays drawn (converted back at the current zoom).
import { useEffect, useReducer, useState } from 'react';
import type { RefObject } from 'react';
import { useT } from '../i18n/useT';
import { useStore } from '../store';
import type { SignatureRect } from '../store';
import type { PageGeometry, ViewerController } from '../viewer/controller';

/** Smallest rectangle taken, in PDF points (the contract's minimum). */
const MIN_POINTS = 8;

interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Where the page's content box (inside pdf.js's border) is, in client coordinates, and its CSS px -> viewport units ratio. */
function contentBox(geometry: PageGeometry): { left: number; top: number; width: number; height: number; ratio: number } {
  const { element, viewport } = geometry;
  const rect = element.getBoundingClientRect();
  const width = element.clientWidth || rect.width;
  return {
    left: rect.left + element.clientLeft,
    top: rect.top + element.clientTop,
    width,
    height: element.clientHeight || rect.height,
    ratio: width > 0 ? viewport.width / width : 1,
  };
}

/** A box in the container's scrollable content from client coordinates. */
function toContainer(container: HTMLElement, client: Box): Box {
  const frame = container.getBoundingClientRect();
  return {
    left: client.left - frame.left - container.clientLeft + container.scrollLeft,
    top: client.top - frame.top - container.clientTop + container.scrollTop,
    width: client.width,
    height: client.height,
  };
}

/** The rectangle in PDF points of a box given in client coordinates over a page. */
function clientBoxToPdf(geometry: PageGeometry, box: Box): [number, number, number, number] {
  const content = contentBox(geometry);
  const corner = (x: number, y: number) =>
    geometry.viewport.convertToPdfPoint((x - content.left) * content.ratio, (y - content.top) * content.ratio) as [number, number];
  const [ax, ay] = corner(box.left, box.top);
  const [bx, by] = corner(box.left + box.width, box.top + box.height);
  const r = (v: number) => Math.round(v * 100) / 100;
  return [r(Math.min(ax, bx)), r(Math.min(ay, by)), r(Math.max(ax, bx)), r(Math.max(ay, by))];
}

/** The client box of a rectangle in PDF points on a page, at the current zoom. */
function pdfToClientBox(geometry: PageGeometry, rect: SignatureRect['rect']): Box {
  const content = contentBox(geometry);
  const [ax, ay] = geometry.viewport.convertToViewportPoint(rect[0], rect[1]) as [number, number];
  const [bx, by] = geometry.viewport.convertToViewportPoint(rect[2], rect[3]) as [number, number];
  const left = Math.min(ax, bx) / content.ratio;
  const top = Math.min(ay, by) / content.ratio;
  return { left: content.left + left, top: content.top + top, width: Math.abs(bx - ax) / content.ratio, height: Math.abs(by - ay) / content.ratio };
}

interface Drag {
  page: number;
  geometry: PageGeometry;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function dragBox(drag: Drag): Box {
  return { left: Math.min(drag.x0, drag.x1), top: Math.min(drag.y0, drag.y1), width: Math.abs(drag.x1 - drag.x0), height: Math.abs(drag.y1 - drag.y0) };
}

export function SignatureOverlay({ controller, containerRef }: { controller: ViewerController | null; containerRef: RefObject<HTMLDivElement | null> }) {
  const t = useT();
  const drawing = useStore((s) => s.drawing);
  const rect = useStore((s) => s.signatureRect);
  const panelOpen = useStore((s) => s.signPanelOpen);
  const [drag, setDrag] = useState<Drag | null>(null);
  const [, relayout] = useReducer((n: number) => n + 1, 0);

  useEffect(() => controller?.onLayout(relayout), [controller]);

  // Dragging: pointer events on the scroll container, captured until the button is released.
  useEffect(() => {
    const container = containerRef.current;
    if (!container || !controller || !drawing) return;
    let current: Drag | null = null;
    const clamp = (d: Drag, x: number, y: number): Drag => {
      const c = contentBox(d.geometry);
      return { ...d, x1: Math.min(Math.max(x, c.left), c.left + c.width), y1: Math.min(Math.max(y, c.top), c.top + c.height) };
    };
    const down = (e: PointerEvent) => {
      if (e.button !== 0) return;
      const pageElement = (e.target as Element | null)?.closest?.('.page');
      const page = Number(pageElement?.getAttribute('data-page-number'));
      const geometry = Number.isInteger(page) ? controller.pageGeometry(page) : null;
      if (!geometry) return;
      e.preventDefault();
      container.setPointerCapture(e.pointerId);
      current = { page, geometry, x0: e.clientX, y0: e.clientY, x1: e.clientX, y1: e.clientY };
      setDrag(current);
    };
    const move = (e: PointerEvent) => {
      if (!current) return;
      current = clamp(current, e.clientX, e.clientY);
      setDrag(current);
    };
    const up = (e: PointerEvent) => {
      if (!current) return;
      const done = clamp(current, e.clientX, e.clientY);
      current = null;
      setDrag(null);
      if (container.hasPointerCapture(e.pointerId)) container.releasePointerCapture(e.pointerId);
      const pdfRect = clientBoxToPdf(done.geometry, dragBox(done));
      // A click or a sliver is not a rectangle: keep drawing.
      if (pdfRect[2] - pdfRect[0] < MIN_POINTS || pdfRect[3] - pdfRect[1] < MIN_POINTS) return;
      useStore.getState().setSignatureRect({ page: done.page, rect: pdfRect });
    };
    const key = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      current = null;
      setDrag(null);
      useStore.getState().setDrawing(false);
    };
    container.addEventListener('pointerdown', down);
    container.addEventListener('pointermove', move);
    container.addEventListener('pointerup', up);
    container.addEventListener('pointercancel', up);
    window.addEventListener('keydown', key);
    return () => {
      container.removeEventListener('pointerdown', down);
      container.removeEventListener('pointermove', move);
      container.removeEventListener('pointerup', up);
      container.removeEventListener('pointercancel', up);
      window.removeEventListener('keydown', key);
      setDrag(null);
    };
  }, [containerRef, controller, drawing]);

  // The chosen rectangle, in container coordinates at the current zoom (recomputed on each
  // render: layout events, a new rectangle or the panel re-render this component).
  const container = containerRef.current;
  const geometry = rect && controller ? controller.pageGeometry(rect.page) : null;
  const box = container && geometry && rect ? toContainer(container, pdfToClientBox(geometry, rect.rect)) : null;
  const draft = drag && container ? toContainer(container, dragBox(drag)) : null;
  const shown = draft ?? (panelOpen && !drawing ? box : null);
  if (!shown) return null;
  return (
    <div
      className={draft ? 'signature-box drafting' : 'signature-box'}
      data-testid="signature-box"
      data-page-number={draft ? drag?.page : rect?.page}
      style={{ left: shown.left, top: shown.top, width: shown.width, height: shown.height }}
    >
      {!draft && <span className="signature-box-label">{t('sign.boxLabel')}</span>}
    </div>
  );
}
