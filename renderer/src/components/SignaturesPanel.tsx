// The signatures of the open document (from main's summary): field name, kind, SubFilter. Opened
// by the toolbar's signature badge, and by itself right after signing.
import { useT } from '../i18n/useT';
import { useStore } from '../store';

export function SignaturesPanel() {
  const t = useT();
  const doc = useStore((s) => s.doc);
  const lastSignedPath = useStore((s) => s.lastSignedPath);
  const toggle = useStore((s) => s.toggleSignaturesPanel);
  if (!doc) return null;
  return (
    <aside className="signatures-panel" aria-labelledby="signatures-title" data-testid="signatures-panel">
      <header className="side-header">
        <h2 id="signatures-title">{t('signatures.title')}</h2>
        <button type="button" className="icon" onClick={() => toggle(false)} aria-label={t('signatures.close')} title={t('signatures.close')}>✕</button>
      </header>
      <div className="side-body">
        {lastSignedPath && doc.path === lastSignedPath && (
          <p className="notice" role="status">{t('signatures.savedAs', { path: lastSignedPath })}</p>
        )}
        {doc.signatures.length === 0 ? (
          <p className="muted">{t('signatures.none')}</p>
        ) : (
          <ol className="signature-list" aria-label={t('signatures.title')}>
            {doc.signatures.map((signature, index) => (
              <li key={`${signature.field}-${index}`} className="signature-item" data-kind={signature.kind}>
                <span className="signature-field">{signature.field}</span>
                <span className="signature-meta">
                  {signature.kind === 'doc-timestamp' ? t('signatures.kind.docTimestamp') : t('signatures.kind.signature')}
                  {signature.subFilter && <> · <code>{signature.subFilter}</code></>}
                </span>
              </li>
            ))}
          </ol>
        )}
        <p className="muted small">{t('signatures.validationLater')}</p>
      </div>
    </aside>
  );
}
