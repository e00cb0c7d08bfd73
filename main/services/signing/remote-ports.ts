// The network implementations of the pipeline's ports: an RFC 3161 TSA over HTTP, and OCSP/CRL/AIA
// fetched online for B-LT. createServices and the CLI pass them in; tests may pass others.
import { fetchValidationData, requestTimestamp } from '../../remote';
import type { Timestamper, ValidationDataSource } from './ports';

/** The TSA at `url` (every check of main/cms/tsp.ts on its answers). */
export function tsaTimestamper(url: string, options: { timeoutMs?: number } = {}): Timestamper {
  return {
    name: url,
    timestamp: async ({ imprint, hash, signal }) => {
      const reply = await requestTimestamp(url, { imprint, hash, timeoutMs: options.timeoutMs, signal });
      return { token: reply.token, genTime: reply.genTime };
    },
  };
}

/** Certificates (AIA) and revocation data (OCSP, else CRL) fetched from the network. */
export function onlineValidationData(options: { timeoutMs?: number } = {}): ValidationDataSource {
  return {
    collect: async (certificates, control) => {
      const data = await fetchValidationData({ certificates, timeoutMs: options.timeoutMs, signal: control?.signal });
      return { certs: data.certs, ocsps: data.ocsps, crls: data.crls };
    },
  };
}
