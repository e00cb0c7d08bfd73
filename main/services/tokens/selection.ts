// Which certificate a selection names (--token/--key, or the app's fingerprint), with an error that
// lists the candidates when it names none or several; and the views the app shows of a scan.
import type { TokenList } from '../../../preload/contract/schemas';
import { SignerError } from '../../signers';
import { msg } from '../../errors';
import { withCause } from '../../../preload/contract/messages';
import type { TokenCertificate, TokenReport, TokenScan, TokenSelection } from './types';

/**
 * One candidate, in the words of the flags that choose it (--token, --key) and no others, so the
 * line reads the same in every language: token 'A' key 01 'label': name (issuer, expiry date).
 */
function candidateLine(token: TokenReport, cert: TokenCertificate): string {
  return `token '${token.label}' key ${cert.keyId || '-'} '${cert.label}': ${cert.name} (${cert.issuer}, ${cert.notAfter.slice(0, 10)})`;
}

/** Picks the one certificate the selection names among the usable ones; a precise error otherwise. */
export function chooseCertificate(scan: TokenScan, selection: TokenSelection): { token: TokenReport; cert: TokenCertificate } {
  const loadedModules = scan.modules.filter((m) => m.loaded);
  if (loadedModules.length === 0) {
    const tried = scan.modules.map((m) => `${m.path}${m.error ? ` (${m.error})` : ''}`);
    throw new SignerError(
      'no-module',
      tried.length === 0 ? msg('error.signer.no-module-found') : msg('error.signer.no-module-loaded', { tried: tried.join('; ') }),
    );
  }
  let tokens = scan.tokens;
  if (selection.token) {
    tokens = tokens.filter((t) => t.label === selection.token);
    if (tokens.length === 0) {
      const present = scan.tokens.map((t) => `'${t.label}'`).join(', ') || 'none';
      throw new SignerError('no-token', msg('error.signer.no-token-labelled', { token: selection.token, present }));
    }
  }
  if (tokens.length === 0) throw new SignerError('no-token', msg('error.signer.no-token'));
  const all = tokens.flatMap((token) => token.certificates.map((cert) => ({ token, cert })));
  let matches = all;
  if (selection.fingerprint) matches = matches.filter(({ cert }) => cert.fingerprint === selection.fingerprint);
  if (selection.key) {
    const wanted = selection.key.toLowerCase();
    matches = matches.filter(({ cert }) => cert.keyId === wanted || cert.label === selection.key || cert.name === selection.key);
  }
  const usable = matches.filter(({ cert }) => cert.unusable === null);
  if (usable.length === 1) return usable[0] as { token: TokenReport; cert: TokenCertificate };
  if (usable.length === 0) {
    const [unusable] = matches;
    if (unusable) throw new SignerError('unusable-certificate', msg('error.signer.cannot-sign', withCause({}, unusable.cert.unusableMessage ?? msg('error.app.detail', { detail: unusable.cert.unusable ?? '' }))));
    const listed = all.map(({ token, cert }) => candidateLine(token, cert));
    throw new SignerError(
      'no-certificate',
      listed.length === 0
        ? msg('error.signer.no-certificate-on', { count: tokens.length, tokens: tokens.map((t) => `'${t.label}'`).join(', ') })
        : msg('error.signer.no-certificate-matches', { given: selection.key ? 'yes' : 'no', key: selection.key ?? '', candidates: listed.join('; ') }),
    );
  }
  throw new SignerError(
    'choose-identity',
    msg('error.signer.choose-identity', { candidates: usable.map(({ token, cert }) => candidateLine(token, cert)).join('; ') }),
  );
}

/**
 * The identity a token certificate signs as; null when it cannot sign now, or when a login showed
 * its private key missing. The identity list and the token picker agree through this one rule.
 */
export function tokenIdentityId(cert: TokenCertificate): string | null {
  return cert.unusable === null && cert.keyConfirmed !== false ? `token-${cert.fingerprint}` : null;
}

/** The token picker's view of a scan: identities by fingerprint, no key material, no module internals. */
export function toTokenList(scan: TokenScan): TokenList {
  return {
    modules: scan.modules.map((m) => ({ path: m.path, name: m.name, source: m.source, loaded: m.loaded, error: m.error })),
    tokens: scan.tokens.map((t) => ({
      label: t.label,
      manufacturer: t.manufacturer,
      model: t.model,
      serial: t.serial,
      pinPad: t.flags.protectedAuthPath,
      pinLocked: t.flags.userPinLocked,
      pinCountLow: t.flags.userPinCountLow,
      finalTry: t.flags.userPinFinalTry,
      certificates: t.certificates.map((c) => ({
        identityId: tokenIdentityId(c),
        name: c.name,
        issuer: c.issuer,
        notAfter: c.notAfter,
        keyId: c.keyId,
        unusable: c.unusable,
        unusableMessage: c.unusableMessage,
      })),
      notes: t.notes,
      noteMessages: t.noteMessages,
    })),
  };
}
