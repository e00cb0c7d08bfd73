// Settings, opened from the header (and from the sign panel's chain notice). Two sections: the
// remote signing accounts (RemoteAccounts.tsx), and "Issuer certificates": the certificates of the authorities that issued the user's certificate,
// imported from files main's own dialog chooses, listed with who they name, who issued them, until
// when and their fingerprint, and removable. Main keeps them and adds them to every signature.
import { useEffect, useRef } from 'react';
import { formatDate, formatFingerprint } from '../i18n';
import { useT } from '../i18n/useT';
import { importIssuerCertificates, loadIssuerCertificates, removeIssuerCertificate } from '../services/issuers';
import { useStore } from '../store';
import { ErrorText } from './ErrorBanner';
import { RemoteAccounts } from './RemoteAccounts';

function IssuerOutcome() {
  const t = useT();
  const outcome = useStore((s) => s.issuerOutcome);
  if (!outcome) return null;
  if (outcome.kind === 'failed') {
    return (
      <div className="sign-error" role="alert" data-error-code={outcome.error.code}>
        <ErrorText error={outcome.error} prefixes={['issuers.error', 'error']} fallback="issuers.error.unknown" />
      </div>
    );
  }
  return <p className="notice" role="status" data-testid="issuer-import-outcome">{t('issuers.imported', outcome.counts)}</p>;
}

function IssuerCertificates() {
  const t = useT();
  const locale = useStore((s) => s.locale);
  const certificates = useStore((s) => s.issuerCertificates);
  useEffect(() => {
    void loadIssuerCertificates();
  }, []);
  const now = Date.now();
  return (
    <section className="settings-section" aria-labelledby="issuers-title" data-testid="issuer-certificates">
      <h3 id="issuers-title">{t('issuers.title')}</h3>
      <p className="muted small">{t('issuers.intro')}</p>
      {certificates !== null && certificates.length === 0 && <p className="muted" data-testid="no-issuer">{t('issuers.none')}</p>}
      {certificates !== null && certificates.length > 0 && (
        <ul className="issuer-list">
          {certificates.map((c) => {
            const date = formatDate(locale, c.notAfter, { dateStyle: 'medium' });
            const expired = new Date(c.notAfter).getTime() < now;
            return (
              <li key={c.fingerprint} className="issuer" data-testid="issuer-certificate" data-fingerprint={c.fingerprint}>
                <div className="issuer-text">
                  <span>
                    <strong>{c.name}</strong>
                    {c.selfSigned && <span className="muted small"> · {t('issuers.root')}</span>}
                  </span>
                  <span className="small">{c.subject}</span>
                  <span className="muted small">
                    {t('issuers.issuedBy', { issuer: c.issuer })} · <span className={expired ? 'field-error' : undefined}>{t(expired ? 'issuers.expired' : 'issuers.validUntil', { date })}</span>
                  </span>
                  <span className="muted small">{t('issuers.fingerprint')} <code className="fingerprint">{formatFingerprint(c.fingerprint)}</code></span>
                </div>
                <button type="button" className="link danger" aria-label={t('issuers.removeNamed', { name: c.name })} onClick={() => void removeIssuerCertificate(c.fingerprint)}>
                  {t('issuers.remove')}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <IssuerOutcome />
      <button type="button" onClick={() => void importIssuerCertificates()}>{t('issuers.import')}</button>
    </section>
  );
}

export function SettingsDialog() {
  const t = useT();
  const open = useStore((s) => s.settingsOpen);
  const close = useStore((s) => s.closeSettings);
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (open) dialog.current?.focus();
  }, [open]);
  if (!open) return null;
  return (
    <div className="modal-backdrop">
      <div
        ref={dialog}
        className="modal settings"
        role="dialog"
        aria-modal="true"
        aria-labelledby="settings-title"
        tabIndex={-1}
        onKeyDown={(e) => {
          if (e.key === 'Escape') close();
        }}
      >
        <h2 id="settings-title">{t('settings.title')}</h2>
        <div className="settings-body">
          <RemoteAccounts />
          <IssuerCertificates />
        </div>
        <div className="modal-actions">
          <button type="button" className="primary" onClick={close}>{t('settings.close')}</button>
        </div>
      </div>
    </div>
  );
}
