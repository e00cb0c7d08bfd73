// Answers main's `prompt:pin` requests: the PIN of a hardware token (or, with a PIN pad, a notice
// to type it on the reader). The PIN lives only in this component's state until it is sent to main
// for the one C_Login it is asked for; it is never stored or logged, and the field is cleared as
// soon as the dialog closes.
import { useEffect, useRef, useState } from 'react';
import type { RendererRequestOf } from '../../../preload/contract/schemas';
import { useT } from '../i18n/useT';

type PinRequest = RendererRequestOf<'prompt:pin'>;

interface Pending {
  request: PinRequest;
  resolve: (pin: string | null) => void;
}

export function PinDialog() {
  const t = useT();
  const [pending, setPending] = useState<Pending | null>(null);
  const [pin, setPin] = useState('');
  const input = useRef<HTMLInputElement>(null);

  useEffect(
    () =>
      window.paraphe.handleRequest('prompt:pin', (request, signal) =>
        new Promise((resolve) => {
          const finish = (value: string | null) => {
            setPending(null);
            setPin('');
            resolve(value === null ? null : { pin: value });
          };
          signal.addEventListener('abort', () => finish(null), { once: true });
          setPending({ request, resolve: finish });
        }),
      ),
    [],
  );

  useEffect(() => {
    if (pending && !pending.request.pinPad) input.current?.focus();
  }, [pending]);

  if (!pending) return null;
  const { request } = pending;
  const answer = (value: string | null) => pending.resolve(value);
  let warning: string | null = null;
  if (request.finalTry) warning = t('pin.finalTry');
  else if (request.triesLeft !== null) warning = t('pin.triesLeft', { count: request.triesLeft });
  else if (request.pinCountLow) warning = t('pin.countLow');
  return (
    <div className="modal-backdrop">
      <form
        className="modal pin-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="pin-title"
        data-testid="pin-dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (pin.length > 0) answer(pin);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') answer(null);
        }}
      >
        <h2 id="pin-title">{t(request.contextSpecific ? 'pin.titleSignature' : 'pin.title')}</h2>
        <p>
          {request.keyLabel === null
            ? t('pin.prompt', { token: request.tokenLabel })
            : t('pin.promptKey', { token: request.tokenLabel, key: request.keyLabel })}
        </p>
        {request.contextSpecific && <p className="muted">{t('pin.contextSpecific')}</p>}
        {request.retry && <p className="field-error" role="alert">{t('pin.incorrect')}</p>}
        {warning && <p className="field-error" role="alert" data-testid="pin-warning">{warning}</p>}
        {request.pinPad ? (
          <p className="pin-pad" aria-live="polite">{t('pin.pinPad')}</p>
        ) : (
          <label className="field">
            <span>{t('pin.label')}</span>
            <input ref={input} type="password" autoComplete="off" inputMode="numeric" value={pin} onChange={(e) => setPin(e.target.value)} />
          </label>
        )}
        <div className="modal-actions">
          <button type="button" onClick={() => answer(null)}>{t('pin.cancel')}</button>
          {!request.pinPad && <button type="submit" className="primary" disabled={pin.length === 0}>{t('pin.submit')}</button>}
        </div>
      </form>
    </div>
  );
}
