// Asks for the password of an encrypted PDF. The password lives in this component's state, pdf.js
// and, once pdf.js accepted it, services/document-passwords (memory, until the document closes): it
// goes to main only with a request to sign or check that document, and is never stored or logged.
import { useEffect, useRef, useState } from 'react';
import { useT } from '../i18n/useT';
import { useStore } from '../store';

let pending: ((password: string | null) => void) | null = null;

export function askPassword(name: string, incorrect: boolean): Promise<string | null> {
  pending?.(null);
  return new Promise((resolve) => {
    pending = resolve;
    useStore.getState().setPasswordPrompt({ name, incorrect });
  });
}

function answer(password: string | null): void {
  const resolve = pending;
  pending = null;
  useStore.getState().setPasswordPrompt(null);
  resolve?.(password);
}

export function PasswordDialog() {
  const t = useT();
  const prompt = useStore((s) => s.passwordPrompt);
  const [password, setPassword] = useState('');
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    setPassword('');
    if (prompt) input.current?.focus();
  }, [prompt]);

  useEffect(() => () => {
    if (pending) answer(null);
  }, []);

  if (!prompt) return null;
  return (
    <div className="modal-backdrop">
      <form
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="password-title"
        onSubmit={(e) => {
          e.preventDefault();
          if (password.length > 0) answer(password);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') answer(null);
        }}
      >
        <h2 id="password-title">{t('password.title')}</h2>
        <p>{t('password.prompt', { name: prompt.name })}</p>
        {prompt.incorrect && <p className="field-error" role="alert">{t('password.incorrect')}</p>}
        <label className="field">
          <span>{t('password.label')}</span>
          <input ref={input} type="password" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <div className="modal-actions">
          <button type="button" onClick={() => answer(null)}>{t('password.cancel')}</button>
          <button type="submit" className="primary" disabled={password.length === 0}>{t('password.open')}</button>
        </div>
      </form>
    </div>
  );
}
