import { hasMessage } from '../i18n';
import type { MessageKey } from '../i18n';
import { useT } from '../i18n/useT';
import { useStore } from '../store';

/** A specific, translated error: the headline by error code, the precise cause (from main) below. */
export function ErrorBanner() {
  const t = useT();
  const error = useStore((s) => s.error);
  const dismiss = useStore((s) => s.dismissError);
  if (!error) return null;
  const key = `error.${error.code}`;
  const headline = hasMessage(key) ? t(key as MessageKey) : t('error.unknown');
  return (
    <div className="error-banner" role="alert" data-error-code={error.code}>
      <div>
        <strong>{t('error.title')}</strong>
        <p className="error-headline">{headline}</p>
        {error.message && error.message !== headline && <p className="error-detail">{error.message}</p>}
      </div>
      <button type="button" onClick={dismiss}>{t('error.dismiss')}</button>
    </div>
  );
}
