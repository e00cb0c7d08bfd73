// Which certificate a selection names (--token/--key, or the app's fingerprint), with an error that
// lists the candidates when it names none or several; and the views the app shows of a scan.
import type { TokenList } from '../../../preload/contract/schemas';
import { SignerError } from '../../signers';
import type { TokenCertificate, TokenReport, TokenScan, TokenSelection } from './types';

function candidateLine(token: TokenReport, cert: TokenCertificate): string {
  return `token '${token.label}' key ${cert.keyId || '(no id)'} '${cert.label}': ${cert.name}, issued by ${cert.issuer}, expires ${cert.notAfter.slice(0, 10)}`;
}

/** Picks the one certificate the selection names among the usable ones; a precise error otherwise. */
export function chooseCertificate(scan: TokenScan, selection: TokenSelection): { token: TokenReport; cert: TokenCertificate } {
  const loadedModules = scan.modules.filter((m) => m.loaded);
  if (loadedModules.length === 0) {
    const tried = scan.modules.map((m) => `${m.path}${m.error ? ` (${m.error})` : ''}`);
    throw new SignerError(
      'no-module',
      tried.length === 0
        ? 'No PKCS#11 module was found: install your token\'s software (SafeNet Authentication Client, OpenSC...) or give its library with --module PATH.'
        : `No PKCS#11 module could be loaded: ${tried.join('; ')}.`,
    );
  }
  let tokens = scan.tokens;
  if (selection.token) {
    tokens = tokens.filter((t) => t.label === selection.token);
    if (tokens.length === 0) {
      const present = scan.tokens.map((t) => `'${t.label}'`).join(', ') || 'none';
      throw new SignerError('no-token', `No token labelled '${selection.token}' is plugged in (tokens present: ${present}).`);
    }
  }
  if (tokens.length === 0) throw new SignerError('no-token', 'No token is plugged in: insert your token (or smart card) and try again.');
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
    if (matches.length > 0) throw new SignerError('unusable-certificate', `The certificate cannot sign: ${matches.map(({ cert }) => cert.unusable).join('; ')}`);
    const listed = all.map(({ token, cert }) => candidateLine(token, cert));
    throw new SignerError(
      'no-certificate',
      listed.length === 0
        ? `The token${tokens.length > 1 ? 's' : ''} ${tokens.map((t) => `'${t.label}'`).join(', ')} hold${tokens.length > 1 ? '' : 's'} no signing certificate.`
        : `No signing certificate matches${selection.key ? ` --key ${selection.key}` : ''}. On the tokens: ${listed.join('; ')}.`,
    );
  }
  throw new SignerError(
    'choose-identity',
    `Several signing certificates are available; choose one with --token LABEL and --key ID: ${usable.map(({ token, cert }) => candidateLine(token, cert)).join('; ')}.`,
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
      })),
      notes: t.notes,
    })),
  };
}
