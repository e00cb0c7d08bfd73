// RFC 3161 over HTTP (RFC 3161 section 3.4): POST application/timestamp-query, expect
// application/timestamp-reply, then every check of main/cms/tsp.ts (status, nonce, imprint,
// signature, TSA certificate).
import { buildTimeStampRequest, parseTimeStampResponse } from '../cms/tsp';
import type { TimeStampInfo } from '../cms/tsp';
import { digest } from '../cms/algorithms';
import type { HashAlgorithm } from '../cms/algorithms';
import { CmsError } from '../cms/errors';
import { msg } from '../errors';
import { httpExchange, serverLabel } from './http';

export interface TimestampRequestOptions {
  /** hash(data) with `hash`. */
  imprint: Uint8Array;
  hash: HashAlgorithm;
  /** Default 15 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** reqPolicy OID, when the TSA offers several. */
  policy?: string;
}

/** Media types a TSA may answer with: RFC 3161's, and the draft name some older servers still send. */
const REPLY_TYPES = new Set(['application/timestamp-reply', 'application/timestamp-response']);

/**
 * Asks the TSA at `url` for a timestamp of `imprint` (with a random nonce and certReq) and returns
 * the checked token. Errors: tsa-unreachable, tsa-timeout, tsa-http-error, tsa-bad-response,
 * tsa-rejected, tsa-nonce-mismatch, tsa-imprint-mismatch, tsa-bad-signature, tsa-bad-certificate,
 * cancelled.
 */
export async function requestTimestamp(url: string, options: TimestampRequestOptions): Promise<TimeStampInfo> {
  const server = serverLabel('tsa', url);
  if (!url) throw new CmsError('tsa-unreachable', msg('error.cms.tsa-no-url'));
  const query = buildTimeStampRequest({ imprint: options.imprint, hash: options.hash, certReq: true, policy: options.policy });
  const reply = await httpExchange({
    service: 'tsa',
    url,
    method: 'POST',
    body: query.der,
    contentType: 'application/timestamp-query',
    accept: 'application/timestamp-reply',
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  });
  if (!REPLY_TYPES.has(reply.contentType)) {
    throw new CmsError('tsa-bad-response', reply.contentType
      ? msg('error.cms.tsa-content-type', { url, contentType: reply.contentType })
      : msg('error.cms.tsa-no-content-type', { url }));
  }
  return parseTimeStampResponse(reply.body, { imprint: options.imprint, hash: options.hash, nonce: query.nonce, server });
}

/**
 * The `timestamp` option of createCadesSignature for a TSA: timestamps the signature value
 * (RFC 3161 imprint = hash(SignerInfo.signature)) and hands the result to `onToken`, if given.
 */
export function signatureTimestamper(
  url: string,
  options: { hash: HashAlgorithm; timeoutMs?: number; signal?: AbortSignal; policy?: string; onToken?: (info: TimeStampInfo) => void },
): (signatureValue: Uint8Array) => Promise<Uint8Array> {
  return async (signatureValue) => {
    const info = await requestTimestamp(url, {
      imprint: digest(options.hash, signatureValue),
      hash: options.hash,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      policy: options.policy,
    });
    options.onToken?.(info);
    return info.token;
  };
}
