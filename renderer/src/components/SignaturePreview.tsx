// A live preview of the signature's appearance: main builds a one-page PDF the size of the
// rectangle with the same appearance the signature will carry (signature:preview), pdf.js draws
// it into a canvas here. Requests are debounced while the user types the reason or location.
import { useEffect, useRef, useState } from 'react';
import { useT } from '../i18n/useT';
import { previewSignature } from '../services/signing';
import type { PreviewRequest } from '../services/signing';
import { toUiError } from '../services/api';
import { describeError } from '../i18n';
import { useStore } from '../store';
import { pdfjsLib } from '../viewer/pdfjs-global';

const MAX_WIDTH = 260;
const MAX_HEIGHT = 160;
const DEBOUNCE_MS = 250;

export function SignaturePreview({ request }: { request: PreviewRequest }) {
  const t = useT();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [state, setState] = useState<'loading' | 'ready' | 'failed'>('loading');
  const [error, setError] = useState<string | null>(null);
  const { identityId, width, height, reason, location } = request;

  useEffect(() => {
    let cancelled = false;
    let destroy: (() => Promise<void>) | null = null;
    setState('loading');
    const timer = setTimeout(() => {
      void (async () => {
        try {
          const data = await previewSignature({ identityId, width, height, reason, location });
          if (cancelled) return;
          const task = pdfjsLib.getDocument({ data, enableXfa: false });
          destroy = () => task.destroy();
          const pdf = await task.promise;
          const page = await pdf.getPage(1);
          if (cancelled) return;
          const base = page.getViewport({ scale: 1 });
          const fit = Math.min(MAX_WIDTH / base.width, MAX_HEIGHT / base.height, 2);
          const ratio = window.devicePixelRatio || 1;
          const viewport = page.getViewport({ scale: fit * ratio });
          const canvas = canvasRef.current;
          if (!canvas) return;
          canvas.width = Math.ceil(viewport.width);
          canvas.height = Math.ceil(viewport.height);
          canvas.style.width = `${Math.round(base.width * fit)}px`;
          canvas.style.height = `${Math.round(base.height * fit)}px`;
          await page.render({ canvas, viewport }).promise;
          if (!cancelled) {
            setError(null);
            setState('ready');
          }
        } catch (e) {
          if (cancelled) return;
          setError(describeError(useStore.getState().locale, toUiError(e)));
          setState('failed');
        }
      })();
    }, DEBOUNCE_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
      void destroy?.();
    };
  }, [identityId, width, height, reason, location]);

  return (
    <figure className="signature-preview" data-state={state}>
      <canvas ref={canvasRef} data-testid="signature-preview" aria-label={t('sign.previewLabel')} role="img" />
      <figcaption className="muted">
        {state === 'failed' ? (error ? t('sign.previewFailed', { detail: error }) : t('sign.previewFailedPlain')) : t('sign.previewCaption', { width: Math.round(width), height: Math.round(height) })}
      </figcaption>
    </figure>
  );
}
