// Answers main's `prompt:otp` requests: the one-time password a signing service sent the signer
// (SMS, e-mail, authenticator app), for one signature or for a whole batch. Like the PIN, it lives
// only in this component's state until it is sent to main for the one authorization it is asked
// for; it is never stored or logged, and the field is cleared as soon as the dialog closes.
import { useEffect, useRef, useState } from 'react';
import type { RendererRequestOf } from '../../../preload/contract/schemas';
import { useT } from '../i18n/useT';

type OtpRequest = RendererRequestOf<'prompt:otp'>;

interface Pending {
  request: OtpRequest;
  resolve: (otp: string | null) => void;
}

/** What main accepts (the contract's response: 4 to 16 characters, spaces removed as people type them). */
const MIN_LENGTH = 4;
const MAX_LENGTH = 16;

export function OtpDialog() {
  const t = useT();
  const [pending, setPending] = useState<Pending | null>(null);
  const [otp, setOtp] = useState('');
  const input = useRef<HTMLInputElement>(null);

  useEffect(
    () =>
      window.paraphe.handleRequest('prompt:otp', (request, signal) =>
        new Promise((resolve) => {
          const finish = (value: string | null) => {
            setPending(null);
            setOtp('');
            resolve(value === null ? null : { otp: value });
          };
          signal.addEventListener('abort', () => finish(null), { once: true });
          setPending({ request, resolve: finish });
        }),
      ),
    [],
  );

  useEffect(() => {
    if (pending) input.current?.focus();
  }, [pending]);

  if (!pending) return null;
  const { request } = pending;
  const code = otp.replace(/\s+/g, '');
  const acceptable = code.length >= MIN_LENGTH && code.length <= MAX_LENGTH;
  return (
    <div className="modal-backdrop">
      <form
        className="modal otp-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="otp-title"
        data-testid="otp-dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (acceptable) pending.resolve(code);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') pending.resolve(null);
        }}
      >
        <h2 id="otp-title">{t('otp.title')}</h2>
        <p>{t('otp.prompt', { service: request.service, identity: request.identity, documents: request.documents })}</p>
        {request.retry && <p className="field-error" role="alert">{t('otp.incorrect')}</p>}
        {request.triesLeft !== null && (
          <p className="field-error" role="alert" data-testid="otp-warning">{t('otp.triesLeft', { count: request.triesLeft })}</p>
        )}
        <label className="field">
          <span>{t('otp.label')}</span>
          <input
            ref={input}
            type="password"
            autoComplete="one-time-code"
            inputMode="numeric"
            maxLength={MAX_LENGTH + 8}
            value={otp}
            onChange={(e) => setOtp(e.target.value)}
          />
        </label>
        <div className="modal-actions">
          <button type="button" onClick={() => pending.resolve(null)}>{t('otp.cancel')}</button>
          <button type="submit" className="primary" disabled={!acceptable}>{t('otp.submit')}</button>
        </div>
      </form>
    </div>
  );
}
