// DigiCert Document Trust Manager as a CSC service: its service root in each environment and
// region of DigiCert ONE (the hostnames DigiCert lists for its platform, demo hosts prefixed
// `demo.`), with the product's path; the CSC methods are under `${root}/csc/v1`.
import type { DTM_ENVIRONMENTS, DTM_REGION_NAMES } from '../../../preload/contract/domain';

export type DtmRegion = (typeof DTM_REGION_NAMES)[number];
export type DtmEnvironment = (typeof DTM_ENVIRONMENTS)[number];
export const DTM_REGIONS: Readonly<Record<DtmRegion, string>> = { us: 'one.digicert.com', ch: 'one.ch.digicert.com', nl: 'one.nl.digicert.com', jp: 'one.digicert.co.jp' };

export function isDtmRegion(region: string): region is DtmRegion {
  return Object.hasOwn(DTM_REGIONS, region);
}

/** The CSC service root of DTM (before /csc/v1), e.g. https://demo.one.digicert.com/documentmanager. */
export function dtmServiceRoot(environment: DtmEnvironment, region: DtmRegion): string {
  const host = DTM_REGIONS[region];
  return `https://${environment === 'demo' ? `demo.${host}` : host}/documentmanager`;
}
