// Settings → Accounts: the remote signing accounts. Each shows its service (DigiCert Document
// Trust Manager by environment and region, or a CSC service's address), how it signs in and
// whether it is, with Sign in / Sign out / Remove. A sign-in through the browser says it waits
// there, with a Cancel. "Add an account" opens the form: DTM (environment, region) or another CSC
// service by address, a name, the client ID, and how it signs in (browser, service account with
// its client secret, user and password); a secret typed here goes to main, which keeps it in the
// system keychain. The form checks what it can before main does (main checks again).
import { useEffect, useId, useState } from 'react';
import { cscServiceRoot, DTM_REGION_NAMES } from '../../../preload/contract/domain';
import type { RemoteAccountView, RequestOf } from '../../../preload/contract/schemas';
import type { MessageKey } from '../i18n';
import { useT } from '../i18n/useT';
import { addRemoteAccount, cancelRemoteLogin, loadRemoteAccounts, loginRemoteAccount, logoutRemoteAccount, removeRemoteAccount } from '../services/remote';
import { useStore } from '../store';
import { ErrorText } from './ErrorBanner';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
type Grant = RequestOf<'remote:add'>['grant'];
type Region = (typeof DTM_REGION_NAMES)[number];

function ServiceLine({ account }: { account: RemoteAccountView }) {
  const t = useT();
  if (!account.dtm) return <span className="small">{account.url}</span>;
  const region = (DTM_REGION_NAMES as readonly string[]).includes(account.dtm.region) ? t(`remote.region.${account.dtm.region}` as MessageKey) : account.dtm.region;
  return <span className="small">{t('remote.dtmService', { environment: account.dtm.environment, region })}</span>;
}

function SignInLine({ account }: { account: RemoteAccountView }) {
  const t = useT();
  const text =
    account.grant === 'code'
      ? t(account.signedIn ? 'remote.signedIn' : 'remote.notSignedIn')
      : account.grant === 'client_credentials'
        ? t('remote.serviceAccount', { where: account.clientSecretEnv ? 'env' : 'keychain', variable: account.clientSecretEnv ?? '' })
        : t('remote.userPassword', { user: account.user ?? '', where: account.passwordEnv ? 'env' : 'keychain', variable: account.passwordEnv ?? '' });
  return <span className={account.grant === 'code' && !account.signedIn ? 'muted small' : 'small'} data-testid="remote-signin-state">{text}</span>;
}

function AccountRow({ account }: { account: RemoteAccountView }) {
  const t = useT();
  const busy = useStore((s) => s.remoteBusy);
  const mine = busy?.name === account.name;
  return (
    <li className="issuer" data-testid="remote-account" data-account={account.name}>
      <div className="issuer-text">
        <strong>{account.name}</strong>
        <ServiceLine account={account} />
        <span className="muted small">{t('remote.clientId', { id: account.clientId })}</span>
        <SignInLine account={account} />
        {mine && busy.action === 'login' && account.grant === 'code' && (
          <span className="notice words" role="status" data-testid="remote-waiting">{t('remote.waitingBrowser')}</span>
        )}
      </div>
      <div className="row-actions">
        {mine && busy.action === 'login' && account.grant === 'code' ? (
          <button type="button" onClick={() => void cancelRemoteLogin(account.name)}>{t('remote.cancel')}</button>
        ) : (
          <>
            {account.grant === 'code' && account.signedIn ? (
              <button type="button" disabled={busy !== null} onClick={() => void logoutRemoteAccount(account.name)}>{t('remote.signOut')}</button>
            ) : (
              <button type="button" disabled={busy !== null} onClick={() => void loginRemoteAccount(account.name)}>
                {t(account.grant === 'code' ? 'remote.signIn' : 'remote.check')}
              </button>
            )}
            <button type="button" className="link danger" disabled={busy !== null} aria-label={t('remote.removeNamed', { name: account.name })} onClick={() => void removeRemoteAccount(account.name)}>
              {t('remote.remove')}
            </button>
          </>
        )}
      </div>
    </li>
  );
}

function AddAccountForm({ onDone }: { onDone: () => void }) {
  const t = useT();
  const id = useId();
  const [serviceKind, setServiceKind] = useState<'dtm' | 'csc'>('dtm');
  const [environment, setEnvironment] = useState<'demo' | 'production'>('demo');
  const [region, setRegion] = useState<Region>('us');
  const [url, setUrl] = useState('');
  const [name, setName] = useState('');
  const [clientId, setClientId] = useState('');
  const [grant, setGrant] = useState<Grant>('code');
  const [secret, setSecret] = useState('');
  const [user, setUser] = useState('');
  const [tried, setTried] = useState(false);
  const [adding, setAdding] = useState(false);
  const suggested = serviceKind === 'dtm' ? `dtm-${environment}-${region}` : '';
  const chosenName = name.trim() || suggested;
  const problems: MessageKey[] = [];
  if (!NAME.test(chosenName)) problems.push('remote.form.badName');
  if (serviceKind === 'csc' && cscServiceRoot(url.trim()) === null) problems.push('remote.form.badUrl');
  if (clientId.trim() === '') problems.push('remote.form.noClientId');
  if (grant === 'client_credentials' && secret === '') problems.push('remote.form.noSecret');
  if (grant === 'basic' && (user.trim() === '' || secret === '')) problems.push('remote.form.noUser');
  const submit = async () => {
    setTried(true);
    if (problems.length > 0) return;
    setAdding(true);
    const request: RequestOf<'remote:add'> = {
      name: chosenName,
      service: serviceKind === 'dtm' ? { kind: 'dtm', environment, region } : { kind: 'csc', url: url.trim() },
      clientId: clientId.trim(),
      grant,
      ...(grant === 'basic' ? { user: user.trim() } : {}),
      ...(grant !== 'code' && secret !== '' ? { secret } : {}),
    };
    const added = await addRemoteAccount(request);
    setAdding(false);
    if (added) onDone();
  };
  return (
    <form
      className="remote-form"
      data-testid="remote-add-form"
      aria-labelledby={`${id}-title`}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h4 id={`${id}-title`}>{t('remote.form.title')}</h4>
      <fieldset className="choice">
        <legend>{t('remote.form.service')}</legend>
        <label><input type="radio" name={`${id}-kind`} checked={serviceKind === 'dtm'} onChange={() => setServiceKind('dtm')} /> {t('remote.form.dtm')}</label>
        <label><input type="radio" name={`${id}-kind`} checked={serviceKind === 'csc'} onChange={() => setServiceKind('csc')} /> {t('remote.form.csc')}</label>
      </fieldset>
      {serviceKind === 'dtm' ? (
        <div className="form-pair">
          <label className="field">
            {t('remote.form.environment')}
            <select value={environment} onChange={(e) => setEnvironment(e.target.value === 'production' ? 'production' : 'demo')}>
              <option value="demo">{t('remote.environment.demo')}</option>
              <option value="production">{t('remote.environment.production')}</option>
            </select>
          </label>
          <label className="field">
            {t('remote.form.region')}
            <select value={region} onChange={(e) => setRegion((DTM_REGION_NAMES.find((r) => r === e.target.value) ?? 'us'))}>
              {DTM_REGION_NAMES.map((r) => <option key={r} value={r}>{t(`remote.region.${r}` as MessageKey)}</option>)}
            </select>
          </label>
        </div>
      ) : (
        <label className="field">
          {t('remote.form.url')}
          <input type="url" value={url} placeholder="https://signing.example.com/csc-root" spellCheck={false} onChange={(e) => setUrl(e.target.value)} />
        </label>
      )}
      <label className="field">
        {t('remote.form.name')}
        <input value={name} placeholder={suggested} spellCheck={false} maxLength={64} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="field">
        {t('remote.form.clientId')}
        <input value={clientId} spellCheck={false} autoComplete="off" maxLength={256} onChange={(e) => setClientId(e.target.value)} />
      </label>
      <label className="field">
        {t('remote.form.grant')}
        <select value={grant} onChange={(e) => setGrant(e.target.value === 'basic' ? 'basic' : e.target.value === 'client_credentials' ? 'client_credentials' : 'code')}>
          <option value="code">{t('remote.grant.code')}</option>
          <option value="client_credentials">{t('remote.grant.client_credentials')}</option>
          <option value="basic">{t('remote.grant.basic')}</option>
        </select>
      </label>
      {grant === 'basic' && (
        <label className="field">
          {t('remote.form.user')}
          <input value={user} spellCheck={false} autoComplete="username" maxLength={256} onChange={(e) => setUser(e.target.value)} />
        </label>
      )}
      {grant !== 'code' && (
        <label className="field">
          {t(grant === 'basic' ? 'remote.form.password' : 'remote.form.clientSecret')}
          <input type="password" value={secret} autoComplete="off" maxLength={1024} onChange={(e) => setSecret(e.target.value)} />
          <span className="muted small">{t('remote.form.secretKept')}</span>
        </label>
      )}
      {tried && problems.length > 0 && (
        <ul className="field-error" role="alert" data-testid="remote-form-problems">
          {problems.map((p) => <li key={p}>{t(p)}</li>)}
        </ul>
      )}
      <div className="modal-actions">
        <button type="button" onClick={onDone}>{t('remote.cancel')}</button>
        <button type="submit" className="primary" disabled={adding}>{t('remote.form.add')}</button>
      </div>
    </form>
  );
}

function RemoteOutcome() {
  const t = useT();
  const outcome = useStore((s) => s.remoteOutcome);
  if (!outcome) return null;
  if (outcome.kind === 'failed') {
    return (
      <div className="sign-error" role="alert" data-testid="remote-error" data-error-code={outcome.error.code}>
        <ErrorText error={outcome.error} prefixes={['remote.error', 'signError', 'error']} fallback="remote.error.unknown" />
      </div>
    );
  }
  return <p className="notice" role="status" data-testid="remote-outcome">{t(`remote.outcome.${outcome.kind}` as MessageKey, { name: outcome.name })}</p>;
}

export function RemoteAccounts() {
  const t = useT();
  const accounts = useStore((s) => s.remoteAccounts);
  const [adding, setAdding] = useState(false);
  useEffect(() => {
    void loadRemoteAccounts();
  }, []);
  return (
    <section className="settings-section" aria-labelledby="remote-title" data-testid="remote-accounts">
      <h3 id="remote-title">{t('remote.title')}</h3>
      <p className="muted small">{t('remote.intro')}</p>
      {accounts !== null && accounts.length === 0 && !adding && <p className="muted" data-testid="no-remote-account">{t('remote.none')}</p>}
      {accounts !== null && accounts.length > 0 && (
        <ul className="issuer-list">
          {accounts.map((a) => <AccountRow key={a.name} account={a} />)}
        </ul>
      )}
      <RemoteOutcome />
      {adding ? <AddAccountForm onDone={() => setAdding(false)} /> : <button type="button" onClick={() => setAdding(true)}>{t('remote.add')}</button>}
    </section>
  );
}
