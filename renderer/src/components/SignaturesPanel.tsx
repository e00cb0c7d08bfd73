// The verification panel: one card per signature of the open document, with its status in plain
// words, who signed, when (and whether a timestamp certifies it), what changed after signing, and
// the validator's findings on demand. Opened by the toolbar's signature badge, and right after
// signing. The check runs in the background (services/validation): the viewer never waits for it.
import { useState } from 'react';
import type { CertificateView, SignatureValidation } from '../../../preload/contract/schemas';
import { describeError, formatDate, formatFingerprint } from '../i18n';
import type { MessageKey } from '../i18n';
import { useT } from '../i18n/useT';
import { openSignedVersion } from '../services/documents';
import { checkOnline, trustCertificate, untrustCertificate } from '../services/validation';
import { useStore } from '../store';
import type { UiError } from '../store';

/** The headline of a card: the status, with the main cause when the signature does not hold. */
function statusKey(sig: SignatureValidation): MessageKey {
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
  if (has('REVOCATION_UNKNOWN', 'REVOCATION_NOT_FRESH', 'REVOCATION_NOT_YET_VALID')) return 'verify.status.revocationUnknown';
  if (has('TIMESTAMP_UNTRUSTED', 'TIMESTAMP_REVOKED', 'TIMESTAMP_REVOCATION_UNKNOWN')) return 'verify.status.timestampDoubtful';
  return 'verify.status.indeterminate';
}

/**
 * One certificate of a chain. The top of the chain (the root, or a self-signed personal ID) can be
 * trusted from here, after a confirmation that shows its fingerprint: trusting is a decision, not
 * a click-through.
 */
function ChainCertificate({ cert, position, signatureIndex, top, chainTrusted }: {
  cert: CertificateView; position: number; signatureIndex: number; top: boolean; chainTrusted: boolean;
}) {
  const t = useT();
  const locale = useStore((s) => s.locale);
  const [confirming, setConfirming] = useState(false);
  const day = (iso: string) => formatDate(locale, iso, { dateStyle: 'medium' });
  const role = position === 0 ? 'verify.chain.signer' : top ? 'verify.chain.root' : 'verify.chain.intermediate';
  return (
    <li className="chain-certificate" data-testid="chain-certificate" data-trusted-by-user={cert.trustedByUser}>
      <span className="chain-role">{t(role)}</span> <strong>{cert.name}</strong>
      <span className="signature-meta">{t('verify.chain.issuedBy', { issuer: cert.issuer })}</span>
      <span className="signature-meta">{t('verify.chain.validity', { from: day(cert.notBefore), to: day(cert.notAfter) })}</span>
      {cert.trustedByUser && (
        <span className="chain-trusted">
          {t('verify.chain.trustedByYou')}{' '}
          <button type="button" className="link" onClick={() => void untrustCertificate(cert.fingerprint)}>{t('verify.chain.untrust')}</button>
        </span>
      )}
      {top && !cert.trustedByUser && !chainTrusted && !confirming && (
        <button type="button" onClick={() => setConfirming(true)}>{t('verify.chain.trust')}</button>
      )}
      {confirming && (
        <div className="trust-confirm" role="group" aria-label={t('verify.chain.trust')}>
          <p>{t('verify.chain.trustWarning', { name: cert.name })}</p>
          <p className="signature-meta">{t('verify.chain.fingerprint')} <code className="fingerprint">{formatFingerprint(cert.fingerprint)}</code></p>
          <button type="button" onClick={() => { setConfirming(false); void trustCertificate(signatureIndex, position); }}>{t('verify.chain.trustConfirm')}</button>{' '}
          <button type="button" onClick={() => setConfirming(false)}>{t('verify.chain.trustCancel')}</button>
        </div>
      )}
    </li>
  );
}

function SignatureCard({ sig, index }: { sig: SignatureValidation; index: number }) {
  const t = useT();
  const locale = useStore((s) => s.locale);
  const viewingSignedVersion = useStore((s) => s.doc?.signedVersion !== undefined);
  const dateTime = (iso: string) => formatDate(locale, iso, { dateStyle: 'long', timeStyle: 'short' });
  const certifiedTime = sig.timestamp?.valid ? sig.timestamp.time : null;
  const when = certifiedTime ?? sig.signedAt ?? sig.timestamp?.time ?? null;
  const name = sig.signer?.name ?? null;
  let timeNote: MessageKey;
  if (sig.timestamp?.valid) timeNote = 'verify.timeCertified';
  else if (sig.timestamp) timeNote = 'verify.timeInvalid';
  else timeNote = 'verify.timeNotCertified';
  const canViewSignedVersion = !viewingSignedVersion && sig.revision !== null && !sig.coversWholeFile;
  return (
    <li className="signature-item signature-card" data-status={sig.status} data-kind={sig.kind}>
      <p className="signature-status" data-testid="signature-status">{t(statusKey(sig))}</p>
      <p className="signature-who">
        {name === null ? t('verify.unknownSigner') : t(sig.kind === 'doc-timestamp' ? 'verify.timestampedBy' : 'verify.signedBy', { name })}
      </p>
      <p className="signature-when">{when === null ? t('verify.noTime') : t('verify.signedAt', { date: dateTime(when) })}</p>
      {when !== null && sig.kind !== 'doc-timestamp' && (
        <p className="signature-time-note" data-certified={sig.timestamp?.valid === true}>{t(timeNote, { tsa: sig.timestamp?.tsa ?? '' })}</p>
      )}
      {sig.kind !== 'doc-timestamp' && <p className="signature-changes">{t(`verify.changes.${sig.modifications}`)}</p>}
      {canViewSignedVersion && (
        <button type="button" className="link" onClick={() => void openSignedVersion(index)}>{t('verify.viewSignedVersion')}</button>
      )}
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
          {sig.revision !== null && <> · {t('verify.detail.revision', { revision: sig.revision })}</>}
        </p>
        {sig.signer && <p className="signature-meta">{sig.signer.subject}</p>}
        <h3 className="details-heading">{t('verify.chain.title')}</h3>
        {sig.chain.length === 0 ? (
          <p className="signature-meta">{t('verify.chain.none')}</p>
        ) : (
          <ol className="chain" data-testid="chain">
            {sig.chain.map((cert, i) => (
              <ChainCertificate key={cert.fingerprint} cert={cert} position={i} signatureIndex={index} top={i === sig.chain.length - 1} chainTrusted={sig.trusted} />
            ))}
          </ol>
        )}
        <h3 className="details-heading">{t('verify.revocationTitle')}</h3>
        <div className="signature-meta" data-testid="revocation">
          <p>{t('verify.detail.revocation', { status: t(`verify.revocation.${sig.revocation}`) })}</p>
          {sig.revocationChecks.length > 0 && (
            <ul className="revocation-sources">
              {sig.revocationChecks.map((check, i) => (
                <li key={`${i}-${check.certificate}`} data-origin={check.origin}>
                  {t(check.timestampAuthority ? 'verify.revocationCheck.tsa' : 'verify.revocationCheck.cert', {
                    name: check.certificate,
                    status: check.status === 'revoked' && check.revokedAt
                      ? t('verify.revocationCheck.revokedOn', { date: dateTime(check.revokedAt) })
                      : t(`verify.revocationCheck.status.${check.status}`),
                    source: t(`verify.revocationCheck.origin.${check.origin}`, { kind: check.kind ?? t('verify.revocationCheck.someKind') }),
                  })}
                </li>
              ))}
            </ul>
          )}
        </div>
        <h3 className="details-heading">{t('verify.timestampTitle')}</h3>
        <p className="signature-meta" data-testid="timestamp-detail">
          {sig.timestamp
            ? t(sig.timestamp.valid ? 'verify.timestamp.valid' : 'verify.timestamp.invalid', { time: dateTime(sig.timestamp.time), tsa: sig.timestamp.tsa })
            : t('verify.timestamp.none')}
        </p>
      </details>
    </li>
  );
}

export function SignaturesPanel() {
  const t = useT();
  const locale = useStore((s) => s.locale);
  const failedText = (error: UiError) => {
    const detail = describeError(locale, error);
    return detail ? t('verify.failed', { message: detail }) : t('verify.failedPlain');
  };
  const doc = useStore((s) => s.doc);
  const validation = useStore((s) => s.validation);
  const lastSignedPath = useStore((s) => s.lastSignedPath);
  const toggle = useStore((s) => s.toggleSignaturesPanel);
  if (!doc) return null;
  const signed = doc.signatureCount > 0;
  const done = signed && validation?.state === 'done' ? validation.result : null;
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
        {!signed && <p className="muted">{t('signatures.none')}</p>}
        {done && (
          <ol className="signature-list" aria-label={t('signatures.title')}>
            {done.signatures.map((sig, index) => <SignatureCard key={`${sig.field ?? ''}-${index}`} sig={sig} index={index} />)}
          </ol>
        )}
        {done && !done.online && (
          <p className="signature-online">
            <button type="button" onClick={() => void checkOnline()}>{t('verify.checkOnline')}</button>{' '}
            <span className="muted">{t('verify.checkOnlineHint')}</span>
          </p>
        )}
        {done?.online && <p className="muted" data-testid="checked-online">{t('verify.checkedOnline')}</p>}
        {signed && validation?.state === 'failed' && (
          <p className="sign-error" role="alert" data-error-code={validation.error.code}>{failedText(validation.error)}</p>
        )}
        {signed && (validation === null || validation.state === 'checking') && (
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
