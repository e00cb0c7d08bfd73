// The verification panel: one card per signature of the open document, with its status in plain
// words, who signed, when (and whether a timestamp certifies it), what changed after signing, and
// the validator's findings on demand. Opened by the toolbar's signature badge, and right after
// signing. The check runs in the background (services/validation): the viewer never waits for it.
import type { SignatureValidation } from '../../../preload/contract/schemas';
import type { MessageKey } from '../i18n';
import { useT } from '../i18n/useT';
import { useStore } from '../store';

/** The headline of a card: the status, with the main cause when the signature does not hold. */
export function statusKey(sig: SignatureValidation): MessageKey {
  const has = (...codes: string[]) => sig.reasons.some((r) => codes.includes(r.code));
  if (sig.status === 'VALID') return 'verify.status.valid';
  if (sig.status === 'INVALID') {
    if (!sig.intact || has('DIGEST_MISMATCH', 'BYTE_RANGE_MALFORMED', 'BYTE_RANGE_NOT_REVISION')) return 'verify.status.invalidAltered';
    if (has('MODIFIED_NOT_ALLOWED')) return 'verify.status.invalidChanged';
    if (has('CERTIFICATE_REVOKED')) return 'verify.status.invalidRevoked';
    return 'verify.status.invalid';
  }
  if (has('CHAIN_UNTRUSTED')) return 'verify.status.untrusted';
  if (has('CERTIFICATE_EXPIRED')) return 'verify.status.expired';
  if (has('REVOCATION_UNKNOWN')) return 'verify.status.revocationUnknown';
  return 'verify.status.indeterminate';
}

function SignatureCard({ sig }: { sig: SignatureValidation }) {
  const t = useT();
  const locale = useStore((s) => s.locale);
  const formatDate = (iso: string) => {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short' }).format(date);
  };
  const certifiedTime = sig.timestamp?.valid ? sig.timestamp.time : null;
  const when = certifiedTime ?? sig.signedAt ?? sig.timestamp?.time ?? null;
  const name = sig.signer?.name ?? null;
  let timeNote: MessageKey;
  if (sig.timestamp?.valid) timeNote = 'verify.timeCertified';
  else if (sig.timestamp) timeNote = 'verify.timeInvalid';
  else timeNote = 'verify.timeNotCertified';
  return (
    <li className="signature-item signature-card" data-status={sig.status} data-kind={sig.kind}>
      <p className="signature-status" data-testid="signature-status">{t(statusKey(sig))}</p>
      <p className="signature-who">
        {name === null ? t('verify.unknownSigner') : t(sig.kind === 'doc-timestamp' ? 'verify.timestampedBy' : 'verify.signedBy', { name })}
      </p>
      <p className="signature-when">{when === null ? t('verify.noTime') : t('verify.signedAt', { date: formatDate(when) })}</p>
      {when !== null && sig.kind !== 'doc-timestamp' && (
        <p className="signature-time-note" data-certified={sig.timestamp?.valid === true}>{t(timeNote, { tsa: sig.timestamp?.tsa ?? '' })}</p>
      )}
      {sig.kind !== 'doc-timestamp' && <p className="signature-changes">{t(`verify.changes.${sig.modifications}`)}</p>}
      <details className="signature-details">
        <summary>{t('verify.details')}</summary>
        <ul>
          {sig.reasons.length === 0 ? <li>{t('verify.noProblem')}</li> : sig.reasons.map((r, i) => <li key={`${r.code}-${i}`} data-code={r.code}>{r[locale]}</li>)}
        </ul>
        <p className="signature-meta">
          {t(`verify.kind.${sig.kind}`)}
          {sig.field && <> · {t('verify.detail.field', { field: sig.field })}</>}
          {sig.subFilter && <> · <code>{sig.subFilter}</code></>}
          {' · '}{t('verify.detail.level', { level: sig.level })}
          {' · '}{t('verify.detail.revocation', { status: t(`verify.revocation.${sig.revocation}`) })}
        </p>
        {sig.signer && <p className="signature-meta">{sig.signer.subject}</p>}
      </details>
    </li>
  );
}

export function SignaturesPanel() {
  const t = useT();
  const doc = useStore((s) => s.doc);
  const validation = useStore((s) => s.validation);
  const lastSignedPath = useStore((s) => s.lastSignedPath);
  const toggle = useStore((s) => s.toggleSignaturesPanel);
  if (!doc) return null;
  const current = validation?.docId === doc.docId ? validation : null;
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
        {doc.signatureCount === 0 && <p className="muted">{t('signatures.none')}</p>}
        {doc.signatureCount > 0 && current?.state === 'done' && (
          <ol className="signature-list" aria-label={t('signatures.title')}>
            {current.result.signatures.map((sig, index) => <SignatureCard key={`${sig.field ?? ''}-${index}`} sig={sig} />)}
          </ol>
        )}
        {doc.signatureCount > 0 && current?.state === 'failed' && (
          <p className="sign-error" role="alert" data-error-code={current.error.code}>{t('verify.failed', { message: current.error.message })}</p>
        )}
        {doc.signatureCount > 0 && (current === null || current.state === 'checking') && (
          <>
            <p className="muted" aria-busy="true" data-testid="signatures-checking">{t('verify.checking')}</p>
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
          </>
        )}
      </div>
    </aside>
  );
}
