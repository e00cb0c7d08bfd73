import { formatDate } from '../i18n';
import { useT } from '../i18n/useT';
import { clearRecent, openPath, openWithDialog, removeRecent } from '../services/documents';
import { useStore } from '../store';

function RecentList() {
  const t = useT();
  const recent = useStore((s) => s.recent);
  const locale = useStore((s) => s.locale);
  if (recent.length === 0) return <p className="muted">{t('start.noRecent')}</p>;
  return (
    <>
      <ul className="recent-list" aria-label={t('start.recent')}>
        {recent.map((r) => (
          <li key={r.path}>
            <button type="button" className="recent-open" title={r.path} onClick={() => void openPath(r.path)}>
              <span className="recent-name">{r.name}</span>
              <span className="recent-meta">
                {r.pageCount !== null ? `${t('start.pages', { count: r.pageCount })} · ` : ''}
                {formatDate(locale, r.openedAt, { dateStyle: 'medium', timeStyle: 'short' })}
              </span>
              <span className="recent-path">{r.path}</span>
            </button>
            <button type="button" className="recent-remove" aria-label={t('start.removeRecent', { name: r.name })} title={t('start.removeRecent', { name: r.name })} onClick={() => void removeRecent(r.path)}>✕</button>
          </li>
        ))}
      </ul>
      <button type="button" className="link" onClick={() => void clearRecent()}>{t('start.clearRecent')}</button>
    </>
  );
}

export function StartScreen() {
  const t = useT();
  const status = useStore((s) => s.status);
  const openingName = useStore((s) => s.openingName);
  return (
    <main className="start-screen">
      <div className="start-card">
        <h1>{t('app.title')}</h1>
        <p className="tagline">{t('app.tagline')}</p>
        <button type="button" className="primary" onClick={() => void openWithDialog()} disabled={status === 'opening'}>
          {t('start.open')}
        </button>
        <p className="muted">{t('start.dropHint')}</p>
        {status === 'opening' && openingName && <p role="status">{t('doc.loading', { name: openingName })}</p>}
      </div>
      <section className="start-card recent" aria-labelledby="recent-title">
        <h2 id="recent-title">{t('start.recent')}</h2>
        <RecentList />
      </section>
    </main>
  );
}
