import { describeError, hasMessage } from '../i18n';
import type { MessageKey } from '../i18n';
import { useT } from '../i18n/useT';
import { useStore } from '../store';
import type { UiError } from '../store';

/**
 * An error in words: the headline translated by error code (the first of `prefixes` that has a
 * message for it, else `fallback`), main's precise cause below, in the interface language, when
 * it says more.
 */
export function ErrorText({ error, prefixes, fallback }: { error: UiError; prefixes: string[]; fallback: MessageKey }) {
  const t = useT();
  const locale = useStore((s) => s.locale);
  const key = prefixes.map((prefix) => `${prefix}.${error.code}`).find(hasMessage);
  const headline = t(key === undefined ? fallback : key);
  const detail = describeError(locale, error);
  return (
    <>
      <p className="error-headline">{headline}</p>
      {detail && detail !== headline && <p className="error-detail">{detail}</p>}
    </>
  );
}

/** A specific, translated error: the headline by error code, the precise cause (from main) below. */
export function ErrorBanner() {
  const t = useT();
  const error = useStore((s) => s.error);
  const dismiss = useStore((s) => s.dismissError);
  if (!error) return null;
  return (
    <div className="error-banner" role="alert" data-error-code={error.code}>
      <div>
        <strong>{t('error.title')}</strong>
        <ErrorText error={error} prefixes={['error']} fallback="error.unknown" />
      </div>
      <button type="button" onClick={dismiss}>{t('error.dismiss')}</button>
    </div>
  );
}
