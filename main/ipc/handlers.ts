// The handler table: one entry per channel of the contract, each a thin call into a service.
// Two things are decided here, not by the renderer:
// - paths: the renderer may only name files main received (services.paths), else one neutral
//   refusal that tells nothing of the file;
// - consent: trusting a certificate, removing or creating an identity, and checking online are
//   confirmed in main's own dialog (services.dialogs.confirm) before anything is done; a "no" is
//   the `declined` error, which the renderer takes quietly.
import type { Services } from '../services';
import { confirmOrDecline } from '../services/dialogs';
import { effectiveLocale } from '../services/locale';
import { toTokenList } from '../services/tokens';
import type { ChannelName } from '../../preload/contract/schemas';
import type { Handlers } from './dispatch';
import type { RendererBridge } from './renderer-bridge';

export function createHandlers(services: Services, bridge: RendererBridge): Handlers {
  const { settings, documents, identities, issuers, signing, dialogs, env, tokens, paths, remoteAccounts } = services;
  const tokenList = async () => toTokenList(await tokens.scan());
  /** Per open document, the hosts the user agreed to contact for its online checks. */
  const onlineConsent = new Map<string, Set<string>>();
  return {
    'app:info': async () => {
      const current = await settings.get();
      return {
        name: env.appName,
        version: env.version,
        platform: env.platform,
        systemLocale: env.systemLocale,
        locale: effectiveLocale(current.locale, env.systemLocale),
      };
    },
    'settings:get': () => settings.get(),
    'settings:setLocale': ({ locale }) => settings.setLocale(locale),
    'document:chooseAndOpen': async (_request, { signal }) => {
      const path = await dialogs.chooseDocument();
      return path === null ? null : documents.openPath(path, signal);
    },
    'document:openPath': async ({ path }, { signal }) => documents.openPath(await paths.check(path, 'document'), signal),
    'document:openBytes': ({ name, bytes }, { signal }) => documents.openBytes(name, bytes, signal),
    'document:readRange': ({ docId, begin, end }) => documents.readRange(docId, begin, end),
    'document:close': ({ docId }) => {
      onlineConsent.delete(docId);
      return documents.close(docId);
    },
    'document:validate': async ({ docId, online, documentPassword }) => {
      const password = documentPassword;
      if (!online) return documents.validate(docId, { online: false, password });
      // The certificates of a document name the servers: a crafted one could name any host. The
      // user sees which hosts, and says yes, in main's dialog; only those are contacted.
      const hosts = await documents.onlineHosts(docId, password);
      const agreed = onlineConsent.get(docId);
      if (!agreed || hosts.some((h) => !agreed.has(h))) {
        await confirmOrDecline(dialogs, { kind: 'check-online', document: documents.summary(docId).name, hosts });
        onlineConsent.set(docId, new Set(hosts));
      }
      return documents.validate(docId, { online: true, allowedHosts: hosts, password });
    },
    'document:openSignedVersion': ({ docId, signatureIndex }) => documents.openSignedVersion(docId, signatureIndex),
    'trust:addFromSignature': async ({ docId, signatureIndex, certificateIndex }) => {
      const certificate = documents.certificateToTrust(docId, signatureIndex, certificateIndex);
      await confirmOrDecline(dialogs, {
        kind: 'trust-certificate',
        certificate: { subject: certificate.subject, issuer: certificate.issuer, fingerprint: certificate.fingerprint },
      });
      return settings.addTrustedCertificate(certificate);
    },
    'trust:remove': ({ fingerprint }) => settings.removeTrustedCertificate(fingerprint),
    'issuers:list': () => issuers.list(),
    // Main's own dialog chooses the file and main reads it: no path comes from the renderer.
    'issuers:import': async () => {
      const path = dialogs.chooseIssuerCertificateFile ? await dialogs.chooseIssuerCertificateFile() : null;
      return path === null ? null : issuers.importFile(path);
    },
    'issuers:remove': ({ fingerprint }) => issuers.remove(fingerprint),
    'recent:list': async () => (await settings.get()).recent,
    'recent:remove': ({ path }) => settings.removeRecent(path),
    'recent:clear': () => settings.clearRecent(),
    'identity:list': () => identities.list(),
    'identity:createPersonal': async (request) => {
      await confirmOrDecline(dialogs, { kind: 'create-personal-id', name: request.name, email: request.email, keyType: request.keyType });
      return identities.createPersonal(request);
    },
    'identity:chooseP12File': () => identities.chooseP12File(),
    'identity:importP12': async ({ path, password }) => identities.importP12(await paths.check(path, 'certificate'), password),
    'identity:remove': async ({ id }) => {
      const identity = await identities.get(id);
      // A token's certificate is refused by the service itself (nothing to confirm).
      if (identity.holder !== 'token') {
        await confirmOrDecline(dialogs, {
          kind: 'remove-identity',
          holder: identity.holder,
          certificate: { subject: identity.name, issuer: identity.issuer, fingerprint: identity.fingerprint },
        });
      }
      return identities.remove(id);
    },
    'identity:warnings': ({ id }) => identities.signingWarnings(id),
    'identity:exportPersonal': ({ id, password }) => identities.exportPersonal(id, password),
    'tokens:list': tokenList,
    'tokens:addModule': async () => {
      const path = await dialogs.chooseModuleFile();
      if (path === null) return null;
      await settings.addPkcs11Module(path);
      return tokenList();
    },
    'tokens:removeModule': async ({ path }) => {
      await settings.removePkcs11Module(path);
      return tokenList();
    },
    'remote:list': () => remoteAccounts.list(),
    'remote:add': async (request) => {
      await remoteAccounts.add(request, { replace: false });
      return remoteAccounts.list();
    },
    'remote:login': async ({ name }) => {
      await remoteAccounts.login(name);
      return remoteAccounts.list();
    },
    'remote:cancelLogin': ({ name }) => {
      remoteAccounts.cancelLogin(name);
      return null;
    },
    'remote:logout': async ({ name }) => {
      await remoteAccounts.logout(name);
      return remoteAccounts.list();
    },
    'remote:remove': async ({ name }) => {
      const account = (await remoteAccounts.list()).find((a) => a.name === name);
      if (account) {
        await confirmOrDecline(dialogs, { kind: 'remove-remote-account', name, url: account.url, signedIn: account.signedIn === true });
        await remoteAccounts.remove(name);
      }
      return remoteAccounts.list();
    },
    'signature:preview': (request) => signing.preview(request),
    'document:sign': (request) => signing.sign(request),
    'renderer:answer': ({ requestId, outcome }) => {
      bridge.answer(requestId, outcome);
      return null;
    },
  };
}

/**
 * What a call that was answered with a timeout still produced, released: a document opened after
 * its caller gave up is closed (the renderer never learnt its handle).
 */
export function releaseLateResult(services: Services): (channel: ChannelName, value: unknown) => void {
  return (_channel, value) => {
    const docIds = new Set<string>();
    const visit = (v: unknown) => {
      if (v === null || typeof v !== 'object') return;
      const record = v as { docId?: unknown; document?: unknown };
      if (typeof record.docId === 'string' && 'pageCount' in record) docIds.add(record.docId);
      if (record.document) visit(record.document);
    };
    visit(value);
    for (const docId of docIds) void services.documents.close(docId).catch(() => undefined);
  };
}

/**
 * A PDF main received for the renderer to open (command line, second instance, "open with", the
 * File menu): its path is granted, then the renderer is told to open it.
 */
export function requestOpen(services: Services, bridge: RendererBridge, path: string): boolean {
  const granted = services.paths.grant(path, 'document');
  return bridge.emit('document:openRequested', { path: granted });
}

/**
 * Tells the renderer when tokens are plugged in or pulled out (polling the token drivers). Returns
 * the function that stops it; the app calls it once its window can listen.
 */
export async function watchTokens(services: Services, bridge: RendererBridge, intervalMs?: number): Promise<() => void> {
  return services.tokens.watch((scan) => void bridge.emit('tokens:changed', toTokenList(scan)), intervalMs);
}
