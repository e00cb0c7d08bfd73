import { buildChain } from '../../cms';
import { fetchIssuer } from '../../remote';

/**
 * The chain read from the token, completed from the certificates' AIA "CA issuers" URLs when the
 * token does not hold it up to a root (many tokens ship with the end-entity certificate alone): at
 * most four certificates are fetched. Offline, or when a URL fails, the chain stays as it is:
 * signing goes on, validators fetch the rest.
 */
export async function completeChain(certificate: Uint8Array, chain: readonly Uint8Array[], timeoutMs: number): Promise<Uint8Array[]> {
  try {
    const path = await buildChain(certificate, chain, {
      fetchMissing: (der) => fetchIssuer(der, { timeoutMs }).catch(() => null),
      maxLength: chain.length + 1 + 4,
    });
    return path.slice(1);
  } catch {
    return [...chain]; // a certificate pkijs cannot read: nothing to complete
  }
}
