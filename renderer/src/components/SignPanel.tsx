// The sign panel, beside the document: choose an identity (create the personal digital ID, import
// a .p12, or a certificate on a hardware token plugged in), the placement (invisible, or a rectangle drawn on the page), reason, location, level,
// certification; preview the appearance; sign and save as. Errors are shown here, translated by
// code with main's precise sentence below; a notice says when validators will find no issuer for the
// chosen identity's certificate (main decides it), with the way to settings. The .p12 password lives in this component's state only
// (sent to main for the import check and for the signature, never stored).
// What is shown of an identity and offered for it follows its `holder` (where its key is held),
// never its provider's `kind`: a new backend shows up right without a change here.
import { useEffect, useId, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import type { FileIdentity, Identity, KeychainIdentity, PadesLevel, PersonalKeyType } from '../../../preload/contract/schemas';
import { describeError, formatDate, formatMessage, hasMessage } from '../i18n';
import type { MessageKey } from '../i18n';
import { useT } from '../i18n/useT';
import { baseName } from '../services/documents';
import {
  chooseP12File, createPersonalId, exportPersonalId, importP12, loadIdentities, loadSigningWarnings, optional, removeIdentity, signDocument,
} from '../services/signing';
import { addTokenModule, followTokens, loadTokens, removeTokenModule } from '../services/tokens';
import { rectSize, useStore } from '../store';
import type { CertifyChoice } from '../store';
import { ErrorText } from './ErrorBanner';
import { SignaturePreview } from './SignaturePreview';

// The choices offered, in order. The values are defined in preload/contract/domain.ts, which the
// renderer may import as types only: `_complete` fails to compile if a list misses a member.
const LEVELS = ['B-B', 'B-T', 'B-LT', 'B-LTA'] as const satisfies readonly PadesLevel[];
const CERTIFY = ['none', 'no-changes', 'form-filling', 'annotations'] as const satisfies readonly CertifyChoice[];
type Complete<T, L extends readonly T[]> = [Exclude<T, L[number]>] extends [never] ? true : Exclude<T, L[number]>;
const _complete: [Complete<PadesLevel, typeof LEVELS>, Complete<CertifyChoice, typeof CERTIFY>] = [true, true];
/** The preview's size before a rectangle is drawn, in points. */
const DEFAULT_PREVIEW = { width: 200, height: 60 };

function fileName(path: string | null): string {
  return path ? baseName(path) : '';
}

type T = ReturnType<typeof useT>;

/** What the list says beside an identity's name: where its key is. */
function holderDetail(identity: Identity, t: T): string {
  switch (identity.holder) {
    case 'keychain':
      return t('sign.personalId');
    case 'file':
      return fileName(identity.file) || identity.issuer;
    case 'token':
      return t('tokens.onToken', { token: identity.token.label });
    case 'remote':
      return identity.service;
  }
}

/** The identities the panel can remove: the personal ID (deleted) and a .p12 (forgotten). Tokens and services list their own. */
type Removable = KeychainIdentity | FileIdentity;

function removable(identity: Identity | null): Removable | null {
  return identity?.holder === 'keychain' || identity?.holder === 'file' ? identity : null;
}

function SignError() {
  const error = useStore((s) => s.signError);
  if (!error) return null;
  return (
    <div className="sign-error" role="alert" data-error-code={error.code}>
      <ErrorText error={error} prefixes={['signError', 'error']} fallback="signError.unknown" />
    </div>
  );
}

/**
 * Said before the user signs, when main finds that the selected identity's chain reaches no root
 * with every issuer certificate it knows: validators would find no issuer. The way out is one click.
 */
function ChainNotice() {
  const t = useT();
  const selected = useStore((s) => s.selectedIdentityId);
  const current = useStore((s) => s.signWarnings);
  const openSettings = useStore((s) => s.openSettings);
  if (!selected || current?.identityId !== selected) return null;
  return (
    <>
      {current.warnings.map((w) => (
        <div key={w.code} className="hint chain-notice" role="status" data-testid="chain-notice" data-warning-code={w.code}>
          <p><strong>{t('sign.chainNotice.title')}</strong></p>
          <p>{t('sign.chainNotice.text', { alone: w.stopsAt === null ? 'yes' : 'no', subject: w.subject, stopsAt: w.stopsAt ?? '' })}</p>
          <button type="button" onClick={openSettings}>{t('sign.chainNotice.open')}</button>
        </div>
      ))}
    </>
  );
}

function IdentityList() {
  const t = useT();
  const locale = useStore((s) => s.locale);
  const identities = useStore((s) => s.identities);
  const loaded = useStore((s) => s.identitiesLoaded);
  const selected = useStore((s) => s.selectedIdentityId);
  const select = useStore((s) => s.selectIdentity);
  if (!loaded) return <p className="muted">{t('sign.loadingIds')}</p>;
  if (identities.length === 0) return <p className="muted" data-testid="no-identity">{t('sign.noIdentity')}</p>;
  return (
    <div className="identity-list" role="radiogroup" aria-label={t('sign.identity')}>
      {identities.map((identity) => (
        <label key={identity.id} className={identity.id === selected ? 'identity selected' : 'identity'} data-identity-kind={identity.kind} data-identity-holder={identity.holder}>
          <input type="radio" name="identity" value={identity.id} checked={identity.id === selected} onChange={() => select(identity.id)} />
          <span className="identity-text">
            <span className="identity-name">{identity.name}</span>
            <span className="identity-detail">
              {holderDetail(identity, t)}
              {' · '}
              {t('sign.validUntil', { date: formatDate(locale, identity.notAfter, { dateStyle: 'medium' }) })}
            </span>
          </span>
        </label>
      ))}
    </div>
  );
}

function CreateIdForm({ onDone }: { onDone: () => void }) {
  const t = useT();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [keyType, setKeyType] = useState<PersonalKeyType>('rsa-3072');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const ok = await createPersonalId({ name, email, keyType });
    setBusy(false);
    if (ok) onDone();
  };
  return (
    <form className="sub-form" aria-label={t('sign.createTitle')} onSubmit={(e) => void submit(e)}>
      <h4>{t('sign.createTitle')}</h4>
      <p className="muted small">{t('sign.createHint')}</p>
      <label className="field">
        <span>{t('sign.createName')}</span>
        <input type="text" autoComplete="name" required maxLength={64} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="field">
        <span>{t('sign.createEmail')}</span>
        <input type="email" autoComplete="email" required maxLength={255} value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <label className="field">
        <span>{t('sign.createKeyType')}</span>
        <select value={keyType} onChange={(e) => setKeyType(e.target.value as PersonalKeyType)}>
          <option value="rsa-3072">{t('sign.keyRsa')}</option>
          <option value="p256">{t('sign.keyP256')}</option>
        </select>
      </label>
      <div className="sub-form-actions">
        <button type="button" onClick={onDone}>{t('sign.cancel')}</button>
        <button type="submit" className="accent" disabled={busy || name.trim().length === 0 || email.trim().length === 0}>
          {busy ? t('sign.creating') : t('sign.create')}
        </button>
      </div>
    </form>
  );
}

function ImportForm({ file, onImported, onCancel }: { file: { path: string; name: string }; onImported: (identity: Identity, password: string) => void; onCancel: () => void }) {
  const t = useT();
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const imported = await importP12(file.path, password);
    setBusy(false);
    if (imported) onImported(imported, password);
    else setPassword('');
  };
  return (
    <form className="sub-form" aria-label={t('sign.importTitle')} onSubmit={(e) => void submit(e)}>
      <h4>{t('sign.importTitle')}</h4>
      <p className="small">{t('sign.importFile', { name: file.name })}</p>
      <label className="field">
        <span>{t('sign.importPassword')}</span>
        <input ref={input} type="password" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      <div className="sub-form-actions">
        <button type="button" onClick={onCancel}>{t('sign.cancel')}</button>
        <button type="submit" className="accent" disabled={busy || password.length === 0}>{busy ? t('sign.importing') : t('sign.import')}</button>
      </div>
    </form>
  );
}

function ExportForm({ identity, onDone }: { identity: KeychainIdentity; onDone: (path: string | null) => void }) {
  const t = useT();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const mismatch = confirm.length > 0 && confirm !== password;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (mismatch) return;
    setBusy(true);
    const path = await exportPersonalId(identity.id, password);
    setBusy(false);
    if (path) onDone(path);
  };
  return (
    <form className="sub-form" aria-label={t('sign.exportTitle')} onSubmit={(e) => void submit(e)}>
      <h4>{t('sign.exportTitle')}</h4>
      <p className="muted small">{t('sign.exportHint')}</p>
      <label className="field">
        <span>{t('sign.exportPassword')}</span>
        <input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      <label className="field">
        <span>{t('sign.exportConfirm')}</span>
        <input type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} />
      </label>
      {mismatch && <p className="field-error">{t('sign.exportMismatch')}</p>}
      <div className="sub-form-actions">
        <button type="button" onClick={() => onDone(null)}>{t('sign.cancel')}</button>
        <button type="submit" className="accent" disabled={busy || password.length === 0 || confirm !== password}>{t('sign.exportSave')}</button>
      </div>
    </form>
  );
}

type Mode = { kind: 'none' } | { kind: 'create' } | { kind: 'import'; file: { path: string; name: string } } | { kind: 'export' } | { kind: 'remove' };

type Passwords = { get(id: string): string; set(id: string, password: string): void };

function IdentitySection({ passwords }: { passwords: Passwords }) {
  const t = useT();
  const identities = useStore((s) => s.identities);
  const selectedId = useStore((s) => s.selectedIdentityId);
  const selected = identities.find((i) => i.id === selectedId) ?? null;
  const manageable = removable(selected);
  const [mode, setMode] = useState<Mode>({ kind: 'none' });
  const [notice, setNotice] = useState<string | null>(null);
  const passwordId = useId();

  const startImport = async () => {
    setNotice(null);
    const file = await chooseP12File();
    if (file) setMode({ kind: 'import', file });
  };

  return (
    <section className="sign-section" aria-labelledby="sign-identity-title">
      <h3 id="sign-identity-title">{t('sign.identity')}</h3>
      <IdentityList />
      <ChainNotice />
      <div className="identity-actions">
        <button type="button" onClick={() => { setNotice(null); setMode({ kind: 'create' }); }}>{t('sign.createId')}</button>
        <button type="button" onClick={() => void startImport()}>{t('sign.importP12')}</button>
      </div>
      {manageable && mode.kind === 'none' && (
        <div className="identity-manage">
          {manageable.holder === 'keychain' && <button type="button" className="link" onClick={() => setMode({ kind: 'export' })}>{t('sign.exportId')}</button>}
          <button type="button" className="link danger" onClick={() => setMode({ kind: 'remove' })}>
            {manageable.holder === 'keychain' ? t('sign.deleteId') : t('sign.forgetP12')}
          </button>
        </div>
      )}
      {notice && <p className="notice" role="status">{notice}</p>}
      {mode.kind === 'create' && <CreateIdForm onDone={() => setMode({ kind: 'none' })} />}
      {mode.kind === 'import' && (
        <ImportForm
          file={mode.file}
          onCancel={() => setMode({ kind: 'none' })}
          onImported={(identity, typed) => {
            // The password just checked is kept for signing with this file, while the panel is open.
            passwords.set(identity.id, typed);
            setMode({ kind: 'none' });
          }}
        />
      )}
      {mode.kind === 'export' && selected?.holder === 'keychain' && (
        <ExportForm identity={selected} onDone={(path) => { setMode({ kind: 'none' }); if (path) setNotice(t('sign.exported', { path })); }} />
      )}
      {mode.kind === 'remove' && manageable && (
        <div className="sub-form" role="group" aria-label={t('sign.removeTitle')}>
          <p>{manageable.holder === 'keychain' ? t('sign.deleteConfirm', { name: manageable.name }) : t('sign.forgetConfirm', { name: fileName(manageable.file) })}</p>
          <div className="sub-form-actions">
            <button type="button" onClick={() => setMode({ kind: 'none' })}>{t('sign.cancel')}</button>
            <button type="button" className="danger" onClick={() => { setMode({ kind: 'none' }); void removeIdentity(manageable.id); }}>
              {manageable.holder === 'keychain' ? t('sign.deleteId') : t('sign.forgetP12')}
            </button>
          </div>
        </div>
      )}
      {selected?.needsPassword && mode.kind === 'none' && (
        <label className="field" htmlFor={passwordId}>
          <span>{t('sign.password', { name: (selected.holder === 'file' && fileName(selected.file)) || selected.name })}</span>
          <input id={passwordId} type="password" autoComplete="off" value={passwords.get(selected.id)} onChange={(e) => passwords.set(selected.id, e.target.value)} />
        </label>
      )}
    </section>
  );
}

/**
 * The tokens plugged in (as they come and go), their drivers, and what cannot sign, in words. A
 * token's certificates are in the identity list above; the PIN is asked by main when signing.
 */
function TokenSection() {
  const t = useT();
  const locale = useStore((s) => s.locale);
  const tokens = useStore((s) => s.tokens);
  useEffect(() => {
    void loadTokens();
    return followTokens();
  }, []);
  const failed = tokens?.modules.filter((m) => !m.loaded) ?? [];
  return (
    <section className="sign-section" aria-labelledby="sign-tokens-title" data-testid="token-section">
      <h3 id="sign-tokens-title">{t('tokens.title')}</h3>
      {tokens === null && <p className="muted">{t('tokens.looking')}</p>}
      {tokens !== null && tokens.tokens.length === 0 && (
        <p className="muted" data-testid="no-token">{tokens.modules.some((m) => m.loaded) ? t('tokens.none') : t('tokens.noDriver')}</p>
      )}
      {tokens !== null && tokens.tokens.length > 0 && (
        <ul className="token-list">
          {tokens.tokens.map((token) => (
            <li key={`${token.serial}-${token.label}`} className="token" data-testid="token">
              <strong>{token.label}</strong> <span className="muted small">{[token.manufacturer, token.model].filter(Boolean).join(' ')}</span>
              {token.pinLocked && <p className="field-error">{t('tokens.pinLocked')}</p>}
              {!token.pinLocked && (token.finalTry || token.pinCountLow) && <p className="field-error">{t(token.finalTry ? 'pin.finalTry' : 'pin.countLow')}</p>}
              {token.pinPad && <p className="muted small">{t('tokens.pinPad')}</p>}
              <p className="muted small">{t('tokens.certificates', { count: token.certificates.filter((c) => c.identityId !== null).length })}</p>
              {token.certificates.filter((c) => c.unusable !== null).map((c) => (
                <p key={`${c.keyId}-${c.name}`} className="muted small">{t('tokens.unusable', { name: c.name, reason: describeError(locale, { message: c.unusable ?? '', key: c.unusableMessage?.key, params: c.unusableMessage?.params }) ?? '' })}</p>
              ))}
              {token.noteMessages.map((note, i) => (
                <p key={`note-${i}`} className="muted small" data-testid="token-note">{describeError(locale, { message: token.notes[i] ?? '', key: note.key, params: note.params }) ?? ''}</p>
              ))}
            </li>
          ))}
        </ul>
      )}
      {failed.map((m) => (
        <p key={m.path} className="muted small" data-testid="token-driver-error">
          {t('tokens.driverFailed', { path: m.path, reason: m.error ?? '' })}
          {m.source === 'user' && <> <button type="button" className="link" onClick={() => void removeTokenModule(m.path)}>{t('tokens.removeDriver')}</button></>}
        </p>
      ))}
      <button type="button" className="link" onClick={() => void addTokenModule()}>{t('tokens.addDriver')}</button>
    </section>
  );
}

function PlacementSection() {
  const t = useT();
  const mode = useStore((s) => s.placementMode);
  const drawing = useStore((s) => s.drawing);
  const rect = useStore((s) => s.signatureRect);
  const setMode = useStore((s) => s.setPlacementMode);
  const setDrawing = useStore((s) => s.setDrawing);
  const size = rect ? rectSize(rect) : null;
  return (
    <section className="sign-section">
      <fieldset className="choice">
        <legend>{t('sign.placement')}</legend>
        <label><input type="radio" name="placement" checked={mode === 'invisible'} onChange={() => setMode('invisible')} /> {t('sign.invisible')}</label>
        <label><input type="radio" name="placement" checked={mode === 'visible'} onChange={() => setMode('visible')} /> {t('sign.visible')}</label>
      </fieldset>
      {mode === 'invisible' && <p className="muted small">{t('sign.invisibleHint')}</p>}
      {mode === 'visible' && drawing && <p className="hint" role="status">{t('sign.drawHint')}</p>}
      {mode === 'visible' && !drawing && rect && size && (
        <p className="small" data-testid="signature-rect">
          {t('sign.rectInfo', { page: rect.page, width: Math.round(size.width), height: Math.round(size.height) })}{' '}
          <button type="button" className="link" onClick={() => setDrawing(true)}>{t('sign.redraw')}</button>
        </p>
      )}
      {mode === 'visible' && !drawing && !rect && <button type="button" onClick={() => setDrawing(true)}>{t('sign.draw')}</button>}
    </section>
  );
}

function DetailsSection() {
  const t = useT();
  const reason = useStore((s) => s.reason);
  const location = useStore((s) => s.location);
  const level = useStore((s) => s.level);
  const tsaUrl = useStore((s) => s.tsaUrl);
  const certify = useStore((s) => s.certify);
  const setField = useStore((s) => s.setSignField);
  const setLevel = useStore((s) => s.setLevel);
  const setCertify = useStore((s) => s.setCertify);
  return (
    <section className="sign-section">
      <label className="field">
        <span>{t('sign.reason')}</span>
        <input type="text" maxLength={500} value={reason} placeholder={t('sign.reasonPlaceholder')} onChange={(e) => setField('reason', e.target.value)} />
      </label>
      <label className="field">
        <span>{t('sign.location')}</span>
        <input type="text" maxLength={500} value={location} placeholder={t('sign.locationPlaceholder')} onChange={(e) => setField('location', e.target.value)} />
      </label>
      <label className="field">
        <span>{t('sign.level')}</span>
        <select value={level} onChange={(e) => setLevel(e.target.value as PadesLevel)}>
          {LEVELS.map((l) => <option key={l} value={l}>{t(`sign.level.${l}` as MessageKey)}</option>)}
        </select>
      </label>
      {level !== 'B-B' && (
        <label className="field">
          <span>{t('sign.tsaUrl')}</span>
          <input type="url" inputMode="url" maxLength={2048} placeholder="https://" value={tsaUrl} onChange={(e) => setField('tsaUrl', e.target.value)} />
        </label>
      )}
      <label className="field">
        <span>{t('sign.certify')}</span>
        <select value={certify} onChange={(e) => setCertify(e.target.value as CertifyChoice)}>
          {CERTIFY.map((c) => <option key={c} value={c}>{t(`sign.certify.${c}` as MessageKey)}</option>)}
        </select>
      </label>
    </section>
  );
}

function PreviewSection() {
  const t = useT();
  const mode = useStore((s) => s.placementMode);
  const rect = useStore((s) => s.signatureRect);
  const identityId = useStore((s) => s.selectedIdentityId);
  const reason = useStore((s) => s.reason);
  const location = useStore((s) => s.location);
  if (mode !== 'visible' || !identityId) return null;
  const size = rect ? rectSize(rect) : DEFAULT_PREVIEW;
  return (
    <section className="sign-section" aria-label={t('sign.preview')}>
      <h3>{t('sign.preview')}</h3>
      <SignaturePreview request={{ identityId, ...size, reason: optional(reason), location: optional(location) }} />
    </section>
  );
}

/** A damaged document (unsigned): main signs a repaired copy; the user learns it before signing. */
function DamageNotice() {
  const t = useT();
  const locale = useStore((s) => s.locale);
  const damage = useStore((s) => s.doc?.damage ?? null);
  if (!damage) return null;
  const cause = hasMessage(damage.message.key) ? formatMessage(locale, { key: damage.message.key, params: damage.message.params }) : damage.code;
  return (
    <div className="hint damage-notice" role="status" data-testid="damage-notice" data-damage-code={damage.code}>
      <p><strong>{t('sign.damageNotice.title')}</strong></p>
      <p>{t('sign.damageNotice.text', { cause })}</p>
    </div>
  );
}

export function SignPanel() {
  const t = useT();
  const close = useStore((s) => s.closeSignPanel);
  const signing = useStore((s) => s.signing);
  const selectedId = useStore((s) => s.selectedIdentityId);
  // .p12 passwords by identity, in this component only: gone when the panel closes.
  const [typed, setTyped] = useState<Record<string, string>>({});
  const passwords: Passwords = {
    get: (id) => typed[id] ?? '',
    set: (id, password) => setTyped((all) => ({ ...all, [id]: password })),
  };

  useEffect(() => {
    void loadIdentities();
  }, []);

  // Main says, before any click on Sign, whether validators will find the chosen identity's issuer.
  const identities = useStore((s) => s.identities);
  useEffect(() => {
    if (selectedId) void loadSigningWarnings(selectedId);
  }, [selectedId, identities]);

  return (
    <aside className="sign-panel" aria-labelledby="sign-title" data-testid="sign-panel">
      <header className="side-header">
        <h2 id="sign-title">{t('sign.title')}</h2>
        <button type="button" className="icon" onClick={close} aria-label={t('sign.close')} title={t('sign.close')}>✕</button>
      </header>
      <div className="side-body">
        <DamageNotice />
        <IdentitySection passwords={passwords} />
        <TokenSection />
        <PlacementSection />
        <DetailsSection />
        <PreviewSection />
      </div>
      <footer className="side-footer">
        {/* Beside the action, always in sight, whatever the scroll of the panel. */}
        <SignError />
        <button type="button" className="primary" disabled={signing || selectedId === null} onClick={() => void signDocument(selectedId ? passwords.get(selectedId) : '')}>
          {signing ? t('sign.signing') : t('sign.submit')}
        </button>
      </footer>
    </aside>
  );
}
