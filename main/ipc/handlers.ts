// The handler table: one entry per channel of the contract, each a thin call into a service.
import type { Services } from '../services';
import { effectiveLocale } from '../services/locale';
import { toTokenList } from '../services/tokens';
import type { Handlers } from './dispatch';
import type { RendererBridge } from './renderer-bridge';

export function createHandlers(services: Services, bridge: RendererBridge): Handlers {
  const { settings, documents, identities, signing, dialogs, env, tokens } = services;
  const tokenList = async () => toTokenList(await tokens.scan());
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
    'document:chooseAndOpen': async () => {
      const path = await dialogs.chooseDocument();
      return path === null ? null : documents.openPath(path);
    },
    'document:openPath': ({ path }) => documents.openPath(path),
    'document:openBytes': ({ name, bytes }) => documents.openBytes(name, bytes),
    'document:readRange': ({ docId, begin, end }) => documents.readRange(docId, begin, end),
    'document:close': ({ docId }) => documents.close(docId),
    'document:validate': ({ docId, online }) => documents.validate(docId, { online: online ?? false }),
    'document:openSignedVersion': ({ docId, signatureIndex }) => documents.openSignedVersion(docId, signatureIndex),
    'trust:addFromSignature': ({ docId, signatureIndex, certificateIndex }) =>
      settings.addTrustedCertificate(documents.certificateToTrust(docId, signatureIndex, certificateIndex)),
    'trust:remove': ({ fingerprint }) => settings.removeTrustedCertificate(fingerprint),
    'recent:list': async () => (await settings.get()).recent,
    'recent:remove': ({ path }) => settings.removeRecent(path),
    'recent:clear': () => settings.clearRecent(),
    'identity:list': () => identities.list(),
    'identity:createPersonal': (request) => identities.createPersonal(request),
    'identity:chooseP12File': () => identities.chooseP12File(),
    'identity:importP12': ({ path, password }) => identities.importP12(path, password),
    'identity:remove': ({ id }) => identities.remove(id),
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
    'signature:preview': (request) => signing.preview(request),
    'document:sign': (request) => signing.sign(request),
    'renderer:answer': ({ requestId, outcome }) => {
      bridge.answer(requestId, outcome);
      return null;
    },
  };
}

/**
 * Tells the renderer when tokens are plugged in or pulled out (polling the token drivers). Returns
 * the function that stops it; the app calls it once its window can listen.
 */
export async function watchTokens(services: Services, bridge: RendererBridge, intervalMs?: number): Promise<() => void> {
  return services.tokens.watch((scan) => void bridge.emit('tokens:changed', toTokenList(scan)), intervalMs);
}
