// The JSON client of main/remote (json.ts on the transport of http.ts) against real loopback HTTP
// and HTTPS servers: bearer tokens, retries and their waits, error bodies, limits, deadlines, TLS
// verification with a test CA made by openssl here, the fetch policy, and no secret in any error.
// Also that the trust-service entry point still turns RemoteError into the same CmsError.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { inspect } from 'node:util';
import { isCmsError } from '../../main/cms';
import { serverParams } from '../../main/cms/engine';
import { serverLabel } from '../../main/remote/http';
import { format } from '../../preload/contract/messages';
import { exchangeJson, httpExchange, isRemoteError, withFetchPolicy } from '../../main/remote';
import type { JsonExchange, RemoteError, RemoteErrorKind, RetryInfo } from '../../main/remote';
import { freePort, listenLocal, run, skipWithout } from '../fixtures/pki';

// openssl makes the test CA and the HTTPS server's certificate: without it, only the tests about
// HTTPS are skipped (with this reason), and the two that merely go over it use plain http.
const noHttps = skipWithout('openssl');

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2VuLWZvci10ZXN0cw.sig-Zq8x';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Handler = (req: Seen, res: ServerResponse, n: number) => void;

/** Fails unless `work` rejects with a RemoteError of `kind`; returns it for more checks. */
async function remoteFailure(work: Promise<unknown>, kind: RemoteErrorKind): Promise<RemoteError> {
  try {
    await work;
  } catch (e) {
    assert.ok(isRemoteError(e), `expected a RemoteError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    return e;
  }
  assert.fail(`expected a RemoteError of kind ${kind}, the exchange succeeded`);
}

/** The token appears nowhere a user, a log or --json output could see it. */
function assertNoSecret(error: RemoteError, ...secrets: string[]): void {
  const views = [error.message, String(error), JSON.stringify(error), inspect(error, { depth: 5 }), JSON.stringify(error.remote ?? {}), error.url];
  for (const secret of secrets) for (const view of views) assert.ok(!view.includes(secret), `a secret shows in: ${view}`);
}

const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));

describe('JSON exchanges (main/remote/json, errors, http)', { timeout: 60_000 }, () => {
  let dir = '';
  let ca = '';
  let handler: Handler = (_req, res) => json(res, 200, {});
  let seen: Seen[] = [];
  let plain: { port: number; close(): Promise<void> } | undefined;
  let secure: { port: number; close(): Promise<void> } | undefined;
  let httpUrl = '';
  let httpsUrl = '';

  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(request);
      handler(request, res, seen.length);
    });
  };
  /** An exchange with the test's defaults: short back-off, the test CA. */
  const ask = <T = unknown>(options: Partial<JsonExchange> & { url: string }) =>
    exchangeJson<T>({ service: 'csc', method: 'GET', ...(ca ? { ca: [ca] } : {}), ...options, retry: { baseMs: 10, ...(options.retry === false ? { attempts: 1 } : options.retry) } });
  /** HTTPS when there is one, else plain http (saying so), for checks that do not depend on TLS. */
  const httpsOrPlain = (t: TestContext): string => {
    if (!noHttps) return httpsUrl;
    t.diagnostic(`over plain http: ${noHttps}`);
    return httpUrl;
  };

  before(async () => {
    plain = await listenLocal(createHttpServer(serve));
    httpUrl = `http://127.0.0.1:${plain.port}`;
    if (noHttps) return;
    dir = mkdtempSync(join(tmpdir(), 'paraphe-remote-json-'));
    const f = (name: string) => join(dir, name);
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2',
      '-subj', '/O=Paraphe Test/CN=Paraphe JSON Test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    await run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1']);
    writeFileSync(f('server.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n');
    await run('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('server.ext')]);
    ca = readFileSync(f('ca.pem'), 'utf8');
    secure = await listenLocal(createHttpsServer({ key: readFileSync(f('server.key')), cert: readFileSync(f('server.pem')) }, serve) as unknown as Server);
    httpsUrl = `https://127.0.0.1:${secure.port}`;
  });
  after(async () => {
    await plain?.close();
    await secure?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    seen = [];
    handler = (_req, res) => json(res, 200, {});
  });

  it('sends the bearer token and the JSON body over HTTPS (test CA added, verification on) and returns status, JSON and headers', { skip: noHttps }, async () => {
    handler = (_req, res) => json(res, 200, { credentialIDs: ['a', 'b'] }, { 'x-request-id': 'r-1' });
    const reply = await ask<{ credentialIDs: string[] }>({ url: `${httpsUrl}/csc/v1/credentials/list`, method: 'POST', bearer: TOKEN, body: { maxResults: 10, clientData: 'é' } });
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.json, { credentialIDs: ['a', 'b'] });
    assert.equal(reply.headers['x-request-id'], 'r-1');
    assert.equal(seen.length, 1);
    const [request] = seen;
    assert.equal(request?.method, 'POST');
    assert.equal(request?.url, '/csc/v1/credentials/list');
    assert.equal(request?.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(request?.headers['content-type'], 'application/json');
    assert.equal(request?.headers.accept, 'application/json');
    assert.deepEqual(JSON.parse(request?.body ?? ''), { maxResults: 10, clientData: 'é' });
  });

  it('answers 204 with null, and sends no body with a GET', async () => {
    handler = (_req, res) => res.writeHead(204).end();
    const reply = await ask({ url: `${httpUrl}/x`, method: 'DELETE' });
    assert.equal(reply.status, 204);
    assert.equal(reply.json, null);
    await assert.rejects(ask({ url: `${httpUrl}/x`, body: { a: 1 } }), TypeError);
  });

  it('keeps the headers the transport owns: user-agent is always Paraphe, host the URL\'s', async () => {
    await ask({ url: `${httpUrl}/ua`, headers: { 'User-Agent': 'curl/8.0', Host: 'elsewhere.example', 'X-Trace': 'trace-1' } });
    assert.equal(seen[0]?.headers['user-agent'], 'Paraphe');
    assert.equal(seen[0]?.headers.host, `127.0.0.1:${plain?.port ?? 0}`);
    assert.equal(seen[0]?.headers['x-trace'], 'trace-1');
  });

  it('retries a 429 and succeeds on the second attempt', async () => {
    handler = (_req, res, n) => (n === 1 ? json(res, 429, { error: 'slow_down' }) : json(res, 200, { ok: true }));
    const retries: RetryInfo[] = [];
    const reply = await ask({ url: `${httpUrl}/info`, method: 'POST', body: {}, onRetry: (info) => retries.push(info) });
    assert.deepEqual(reply.json, { ok: true });
    assert.equal(seen.length, 2, 'one retry');
    // No Retry-After: the back-off, baseMs (10 ms here) plus up to as much again of jitter.
    assert.equal(retries.length, 1);
    assert.deepEqual({ ...retries[0], delayMs: 0 }, { attempt: 1, delayMs: 0, status: 429, kind: 'rate-limited' });
    assert.ok((retries[0]?.delayMs ?? -1) >= 10 && (retries[0]?.delayMs ?? 99) <= 20, `a back-off of ${retries[0]?.delayMs} ms`);
  });

  it('waits as long as Retry-After asks, and no longer than the cap', async () => {
    // The waits asked for are read from onRetry; the clock only proves that a real wait took place.
    handler = (_req, res, n) => (n === 1 ? json(res, 503, {}, { 'retry-after': '1' }) : json(res, 200, { ok: 1 }));
    let retries: RetryInfo[] = [];
    let started = Date.now();
    await ask({ url: `${httpUrl}/a`, onRetry: (info) => retries.push(info) });
    const waited = Date.now() - started;
    assert.equal(seen.length, 2);
    assert.deepEqual(retries, [{ attempt: 1, delayMs: 1_000, status: 503, kind: 'http-status' }], 'Retry-After: 1 is a wait of 1 s');
    assert.ok(waited >= 950, `waited ${waited} ms for Retry-After: 1`);

    seen = [];
    retries = [];
    const inAnHour = new Date(Date.now() + 3_600_000).toUTCString();
    handler = (_req, res, n) => (n === 1 ? json(res, 503, {}, { 'retry-after': inAnHour }) : json(res, 200, { ok: 2 }));
    started = Date.now();
    await ask({ url: `${httpUrl}/b`, retry: { maxDelayMs: 200 }, onRetry: (info) => retries.push(info) });
    const capped = Date.now() - started;
    assert.equal(seen.length, 2);
    assert.deepEqual(retries, [{ attempt: 1, delayMs: 200, status: 503, kind: 'http-status' }], 'an HTTP-date an hour away, capped at 200 ms');
    assert.ok(capped >= 180, `waited ${capped} ms for an HTTP-date an hour away, capped at 200 ms`);
  });

  it('gives up at once when the wait would run past the overall deadline', async () => {
    handler = (_req, res) => json(res, 503, {}, { 'retry-after': '5' });
    const retries: RetryInfo[] = [];
    const error = await remoteFailure(ask({ url: `${httpUrl}/c`, timeoutMs: 1_000, onRetry: (info) => retries.push(info) }), 'http-status');
    assert.deepEqual(retries, [], 'no wait of 5 s within a 1 s deadline');
    assert.equal(seen.length, 1);
    assert.equal(error.status, 503);
    assert.equal(error.retryAfterMs, 5_000);
  });

  it('never retries a POST after a 500 or a 502, but does after a 502 when the caller says it is idempotent', async () => {
    handler = (_req, res) => json(res, 500, { error: 'server_error' });
    const e500 = await remoteFailure(ask({ url: `${httpUrl}/sign`, method: 'POST', body: {} }), 'http-status');
    assert.equal(e500.status, 500);
    assert.equal(seen.length, 1);

    seen = [];
    handler = (_req, res) => json(res, 502, {});
    await remoteFailure(ask({ url: `${httpUrl}/sign`, method: 'POST', body: {} }), 'http-status');
    assert.equal(seen.length, 1);

    seen = [];
    const retried = await remoteFailure(ask({ url: `${httpUrl}/sign`, method: 'POST', body: {}, idempotent: true }), 'http-status');
    assert.equal(seen.length, 3);
    assert.equal(retried.attempts, 3);
  });

  it('reports retries exhausted: rate-limited for 429 (with Retry-After), http-status for 503, after 3 attempts', async () => {
    handler = (_req, res) => json(res, 429, { error: 'too_many_requests', error_description: 'Quota exceeded' }, { 'retry-after': '0' });
    const limited = await remoteFailure(ask({ url: `${httpUrl}/q` }), 'rate-limited');
    assert.equal(limited.status, 429);
    assert.equal(limited.retryAfterMs, 0);
    assert.equal(limited.attempts, 3);
    assert.equal(seen.length, 3);
    assert.match(limited.message, /^The remote signing service at http:\/\/127\.0\.0\.1:\d+\/q answered HTTP 429 \(Too Many Requests\): too_many_requests: Quota exceeded\.$/);

    seen = [];
    handler = (_req, res) => json(res, 503, {});
    const unavailable = await remoteFailure(ask({ url: `${httpUrl}/q`, retry: { attempts: 2 } }), 'http-status');
    assert.equal(unavailable.status, 503);
    assert.equal(seen.length, 2);
  });

  it('surfaces a CSC error body, a CertCentral one, and 401/403 as unauthorized', async (t) => {
    handler = (_req, res) => json(res, 400, { error: 'invalid_request', error_description: 'The SAD has expired.' });
    const csc = await remoteFailure(ask({ url: `${httpsOrPlain(t)}/csc/v1/signatures/signHash`, method: 'POST', body: {} }), 'http-status');
    assert.deepEqual(csc.remote, { error: 'invalid_request', description: 'The SAD has expired.' });
    assert.equal(csc.status, 400);
    assert.equal(csc.service, 'csc');
    assert.match(csc.message, /answered HTTP 400 \(Bad Request\): invalid_request: The SAD has expired\.$/);

    handler = (_req, res) => json(res, 404, { errors: [{ code: 'not_found', message: 'Order 123 was not found' }] });
    const certcentral = await remoteFailure(ask({ service: 'certcentral', url: `${httpUrl}/services/v2/order/certificate/123` }), 'http-status');
    assert.deepEqual(certcentral.remote, { error: 'not_found', description: 'Order 123 was not found' });
    assert.match(certcentral.message, /^The DigiCert CertCentral service at /);

    handler = (_req, res, n) => json(res, n % 2 === 1 ? 401 : 403, { error: 'invalid_token' });
    const e401 = await remoteFailure(ask({ url: `${httpUrl}/a`, bearer: TOKEN }), 'unauthorized');
    assert.equal(e401.status, 401);
    const e403 = await remoteFailure(ask({ url: `${httpUrl}/a`, bearer: TOKEN }), 'unauthorized');
    assert.equal(e403.status, 403);
    assert.equal(seen.length, 2 + 2, 'unauthorized is never retried');
  });

  it('bounds the error body text and strips its control characters', async () => {
    handler = (_req, res) => json(res, 400, { error: 'bad\u0000\u001b[31mcode', error_description: `line one\nline two\r\u0007${'x'.repeat(5_000)}` });
    const error = await remoteFailure(ask({ url: `${httpUrl}/a` }), 'http-status');
    assert.equal(error.remote?.error, 'bad [31mcode');
    assert.ok(error.remote?.description?.startsWith('line one line two x'));
    assert.ok((error.remote?.description?.length ?? 0) <= 300);
    assert.ok(![...error.message].some((c) => c.charCodeAt(0) < 0x20), 'no control character in the message');
  });

  it('refuses a body larger than maxBytes as too-large, announced or streamed', async () => {
    handler = (_req, res) => json(res, 200, { data: 'x'.repeat(4_000) });
    const announced = await remoteFailure(ask({ url: `${httpUrl}/big`, maxBytes: 1_024 }), 'too-large');
    assert.match(announced.message, /more than the 1 KB accepted/);
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`{"data":"${'x'.repeat(2_000)}`);
      res.end(`${'y'.repeat(2_000)}"}`);
    };
    await remoteFailure(ask({ url: `${httpUrl}/big`, maxBytes: 1_024 }), 'too-large');
    assert.equal(seen.length, 2, 'too-large is never retried');
  });

  it('refuses a 2xx body that is not JSON as bad-response', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"a": tru');
    const invalid = await remoteFailure(ask({ url: `${httpUrl}/a` }), 'bad-response');
    assert.match(invalid.message, /did not answer with JSON \(the body does not parse\)/);
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
    const html = await remoteFailure(ask({ url: `${httpUrl}/a` }), 'bad-response');
    assert.match(html.message, /it sent text\/html/);
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]));
    await remoteFailure(ask({ url: `${httpUrl}/a` }), 'bad-response');
    assert.equal(seen.length, 3, 'bad-response is never retried');
  });

  it('refuses JSON nested deeper than 64 levels, and accepts 64', async () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(nested(65));
    const deep = await remoteFailure(ask({ url: `${httpUrl}/a` }), 'bad-response');
    assert.match(deep.message, /nested deeper than 64 levels/);
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(`{"s":"[[[[[[[[","v":${nested(63)}}`);
    const ok = await ask<{ s: string }>({ url: `${httpUrl}/a` });
    assert.equal(ok.json.s, '[[[[[[[[', 'brackets inside strings do not count');
  });

  it('stops at the deadline as timeout, and retries a GET whose attempt ran out of its own deadline', async () => {
    handler = () => undefined; // never answers
    const retries: RetryInfo[] = [];
    const error = await remoteFailure(ask({ url: `${httpUrl}/slow`, method: 'POST', body: {}, timeoutMs: 300, onRetry: (info) => retries.push(info) }), 'timeout');
    assert.deepEqual(retries, [], 'stopped at the deadline, no wait and no other attempt');
    assert.equal(error.attempts, 1);
    assert.match(error.message, /did not answer within 0\.3 s\.$/);
    assert.equal(seen.length, 1);

    seen = [];
    handler = (_req, res, n) => (n === 1 ? undefined : json(res, 200, { second: true }));
    const reply = await ask({ url: `${httpUrl}/slow`, attemptTimeoutMs: 200, timeoutMs: 5_000 });
    assert.deepEqual(reply.json, { second: true });
    assert.equal(seen.length, 2);
  });

  it('reports a closed port as unreachable (connection refused), retried for a GET only', async () => {
    const url = `http://127.0.0.1:${await freePort()}/token`;
    const get = await remoteFailure(ask({ url }), 'unreachable');
    assert.equal(get.attempts, 3);
    assert.match(get.message, /^The remote signing service at http:\/\/127\.0\.0\.1:\d+\/token cannot be reached \(connection refused\)\.$/);
    const post = await remoteFailure(ask({ url, method: 'POST', body: {} }), 'unreachable');
    assert.equal(post.attempts, 1);
  });

  it('refuses an HTTPS server whose certificate is not trusted as tls, without sending the request', { skip: noHttps }, async () => {
    const error = await remoteFailure(exchangeJson({ service: 'csc', method: 'GET', url: `${httpsUrl}/info`, bearer: TOKEN }), 'tls');
    assert.match(error.message, /cannot be reached \(its TLS certificate is not trusted/);
    assert.equal(seen.length, 0);
    assertNoSecret(error, TOKEN);
  });

  it('stops at once when the signal is aborted, during an attempt or a wait', async () => {
    // Without the abort, the attempt would run to its 15 s deadline and fail as timeout, not aborted.
    handler = () => undefined;
    const during = new AbortController();
    setTimeout(() => during.abort(), 100);
    const retries: RetryInfo[] = [];
    const stopped = await remoteFailure(ask({ url: `${httpUrl}/a`, signal: during.signal, onRetry: (info) => retries.push(info) }), 'aborted');
    assert.equal(stopped.attempts, 1);
    assert.deepEqual(retries, []);

    // A wait of 30 s (what onRetry was told) cut short: the exchange ends long before it would.
    handler = (_req, res) => json(res, 503, {}, { 'retry-after': '30' });
    const waiting = new AbortController();
    setTimeout(() => waiting.abort(), 200);
    const started = Date.now();
    const waits: RetryInfo[] = [];
    const error = await remoteFailure(ask({ url: `${httpUrl}/b`, signal: waiting.signal, timeoutMs: 60_000, retry: { maxDelayMs: 60_000 }, onRetry: (info) => waits.push(info) }), 'aborted');
    assert.deepEqual(waits, [{ attempt: 1, delayMs: 30_000, status: 503, kind: 'http-status' }]);
    assert.ok(Date.now() - started < 30_000, 'the wait was not served out');
    assert.equal(error.attempts, 1);
    assert.match(error.message, /^The request to the remote signing service at .* was cancelled\.$/);
  });

  it('obeys the fetch policy: a host not agreed is not-allowed, and every attempt counts', async () => {
    const refused = await withFetchPolicy({ allowedHosts: new Set(['csc.example']), maxFetches: 10, totalMs: 5_000 }, () =>
      remoteFailure(ask({ url: `${httpUrl}/a` }), 'not-allowed'),
    );
    assert.match(refused.message, /127\.0\.0\.1 is not among the servers you agreed to contact/);
    assert.equal(seen.length, 0);

    handler = (_req, res) => json(res, 503, {});
    const spent = await withFetchPolicy({ maxFetches: 2, totalMs: 5_000 }, () => remoteFailure(ask({ url: `${httpUrl}/a`, retry: { attempts: 5 } }), 'not-allowed'));
    assert.equal(seen.length, 2);
    assert.match(spent.message, /already made 2 requests/);
  });

  it('never sends credentials over plain http to another host, and refuses what is not http(s)', async () => {
    const error = await remoteFailure(exchangeJson({ service: 'csc', method: 'GET', url: 'http://csc.example.invalid/info', bearer: TOKEN }), 'not-allowed');
    assert.match(error.message, /credentials are never sent over plain http/);
    await remoteFailure(exchangeJson({ service: 'csc', method: 'GET', url: 'ftp://csc.example.invalid/' }), 'bad-url');
    await remoteFailure(exchangeJson({ service: 'csc', method: 'GET', url: 'not a url' }), 'bad-url');
  });

  it('never shows the bearer token, the Authorization header, the query string or URL credentials in an error', async (t) => {
    const basic = `Basic ${Buffer.from('client:s3cr3t-client-secret').toString('base64')}`;
    handler = (req, res) => json(res, 400, { error: 'invalid_token', error_description: `token ${TOKEN} rejected; header was ${req.headers.authorization ?? ''}` });
    const echoed = await remoteFailure(ask({ url: `${httpUrl}/a?api_key=QUERYSECRET`, bearer: TOKEN }), 'http-status');
    assert.match(echoed.remote?.description ?? '', /token \[redacted\] rejected/);
    assert.equal(echoed.url, `${httpUrl}/a`);
    assertNoSecret(echoed, TOKEN, 'QUERYSECRET');
    const basicEcho = await remoteFailure(ask({ url: `${httpUrl}/oauth2/token`, method: 'POST', body: {}, headers: { Authorization: basic } }), 'http-status');
    assertNoSecret(basicEcho, basic, basic.slice('Basic '.length));

    const refusedUrl = `http://user:URLPASSWORD@127.0.0.1:${await freePort()}/x?access_token=QUERYSECRET`;
    const refused = await remoteFailure(ask({ url: refusedUrl, bearer: TOKEN, method: 'POST', body: { pin: 'BODYSECRET' } }), 'unreachable');
    assertNoSecret(refused, TOKEN, 'URLPASSWORD', 'QUERYSECRET', 'BODYSECRET');

    handler = () => undefined;
    const slow = await remoteFailure(ask({ url: `${httpsOrPlain(t)}/x`, bearer: TOKEN, method: 'POST', body: { pin: 'BODYSECRET' }, timeoutMs: 200 }), 'timeout');
    assertNoSecret(slow, TOKEN, 'BODYSECRET');
    assert.ok(JSON.stringify(slow).includes('"kind":"timeout"'), 'JSON.stringify keeps the fields');
  });
  it('treats every header the caller adds as a credential: X-DC-DEVKEY never over plain http, never in an error', async () => {
    const DEVKEY = 'DCDEVKEY0123456789ABCDEFGHIJKLMNOPQRSTUV';
    const refused = await remoteFailure(
      exchangeJson({ service: 'certcentral', method: 'GET', url: 'http://certcentral.example.invalid/services/v2/user/me', headers: { 'X-DC-DEVKEY': DEVKEY } }),
      'not-allowed',
    );
    assert.match(refused.message, /^The DigiCert CertCentral service at http:\/\/certcentral\.example\.invalid\/services\/v2\/user\/me was not contacted: credentials are never sent over plain http\.$/);

    handler = (req, res) => {
      const key = String(req.headers['x-dc-devkey']);
      res.writeHead(403, `Forbidden ${key}`, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'access_denied', message: `Key ${key} is revoked` }] }));
    };
    const echoed = await remoteFailure(ask({ service: 'certcentral', url: `${httpUrl}/services/v2/user/me`, headers: { 'X-DC-DEVKEY': DEVKEY } }), 'unauthorized');
    assert.equal(seen[0]?.headers['x-dc-devkey'], DEVKEY, 'sent to loopback');
    assert.deepEqual(echoed.remote, { error: 'access_denied', description: 'Key [redacted] is revoked' });
    assert.match(echoed.message, /answered HTTP 403 \(Forbidden \[redacted\]\): access_denied: Key \[redacted\] is revoked\.$/);
    assertNoSecret(echoed, DEVKEY);

    // Basic: the decoded password too; `secrets`: what the body carries (a PIN).
    handler = (_req, res) => json(res, 400, { error: 'invalid_client', error_description: 'client_secret s3cr3t-client-secret and PIN 739201 are wrong' });
    const basic = `Basic ${Buffer.from('client:s3cr3t-client-secret').toString('base64')}`;
    const client = await remoteFailure(ask({ url: `${httpUrl}/oauth2/token`, method: 'POST', body: { pin: '739201' }, headers: { Authorization: basic }, secrets: ['739201'] }), 'http-status');
    assert.equal(client.remote?.description, 'client_secret [redacted] and PIN [redacted] are wrong');
    assertNoSecret(client, 's3cr3t-client-secret', '739201');
  });

  it('sends a form as application/x-www-form-urlencoded (OAuth token requests), its secret fields never over plain http, never in an error', async () => {
    handler = (req, res) => json(res, 200, { access_token: 'a', seen: req.body, type: req.headers['content-type'] });
    const reply = await ask<{ seen: string; type: string }>({ url: `${httpUrl}/oauth2/token`, method: 'POST', form: { grant_type: 'client_credentials', client_id: 'paraphe', client_secret: 'cl1ent+s3cret/=' } });
    assert.equal(reply.json.type, 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(reply.json.seen)), { grant_type: 'client_credentials', client_id: 'paraphe', client_secret: 'cl1ent+s3cret/=' });

    const refused = await remoteFailure(
      exchangeJson({ service: 'csc', method: 'POST', url: 'http://csc.example.invalid/oauth2/token', form: { grant_type: 'refresh_token', refresh_token: 'R3FRESH-T0KEN' } }),
      'not-allowed',
    );
    assertNoSecret(refused, 'R3FRESH-T0KEN');

    handler = (req, res) => json(res, 400, { error: 'invalid_grant', error_description: `code ${new URLSearchParams(req.body).get('code') ?? ''} with verifier ${new URLSearchParams(req.body).get('code_verifier') ?? ''} is not valid for ${new URLSearchParams(req.body).get('grant_type') ?? ''}` });
    const echoed = await remoteFailure(ask({ url: `${httpUrl}/oauth2/token`, method: 'POST', form: { grant_type: 'authorization_code', code: 'C0DE-0123', code_verifier: 'V3RIFIER-abc' } }), 'http-status');
    assert.equal(echoed.remote?.description, 'code [redacted] with verifier [redacted] is not valid for authorization_code');
    assertNoSecret(echoed, 'C0DE-0123', 'V3RIFIER-abc');
    await assert.rejects(exchangeJson({ service: 'csc', method: 'POST', url: httpUrl, form: {}, body: {} }), TypeError);
  });

  it('redacts a token the server echoes in its status line or content type, or that bounding cut short', async () => {
    handler = (req, res) => res.writeHead(401, `Unauthorized ${req.headers.authorization ?? ''}`, { 'content-type': 'application/json' }).end('{}');
    const status = await remoteFailure(ask({ url: `${httpUrl}/a`, bearer: TOKEN }), 'unauthorized');
    assert.match(status.message, /answered HTTP 401 \(Unauthorized \[redacted\]\)\.$/);
    assert.match(status.wordedIn('fr'), /a renvoyé le code HTTP 401 \(Unauthorized \[redacted\]\)\.$/);
    assertNoSecret(status, TOKEN);
    assert.ok(!JSON.stringify(status.params).includes(TOKEN), 'nor in the params that cross to the renderer');

    // The status line is bounded to 100 characters: the token's start alone is left, and redacted too.
    handler = (_req, res) => res.writeHead(400, `${'x'.repeat(90)} ${TOKEN}`, { 'content-type': 'application/json' }).end('{}');
    const cut = await remoteFailure(ask({ url: `${httpUrl}/a`, bearer: TOKEN }), 'http-status');
    assert.match(cut.message, /x \[redacted\]…\)\.$/);
    assertNoSecret(cut, TOKEN.slice(0, 8));

    // The transport lower-cases the content type, and the message cuts it at 60 characters: still found.
    handler = (_req, res) => res.writeHead(200, { 'content-type': `text/x-${TOKEN}` }).end('{}');
    const type = await remoteFailure(ask({ url: `${httpUrl}/a`, bearer: TOKEN }), 'bad-response');
    assert.match(type.message, /\(it sent text\/x-\[redacted\]…\)\.$/);
    assertNoSecret(type, TOKEN.slice(0, 8), TOKEN.slice(0, 8).toLowerCase());
  });
});

describe('trust services on the shared transport (main/remote/http)', { timeout: 30_000 }, () => {
  it('turns RemoteError into the CmsError codes and sentences of before, keeping it as the cause', async () => {
    const url = `http://127.0.0.1:${await freePort()}/`;
    await assert.rejects(httpExchange({ service: 'ocsp', url, method: 'POST', body: new Uint8Array([1]) }), (e: unknown) => {
      assert.ok(isCmsError(e, 'ocsp-unreachable'));
      assert.equal(e.message, `The OCSP responder at ${url} cannot be reached (connection refused).`);
      assert.ok(isRemoteError(e.cause, 'unreachable'));
      assert.equal(e.cause.service, 'ocsp');
      // A catalog message, so the French interface shows it in French.
      assert.equal(e.key, 'error.remote.unreachable');
      assert.equal(e.wordedIn('fr'), `Le répondeur OCSP ${url} est injoignable (connexion refusée).`);
      return true;
    });
    await assert.rejects(
      withFetchPolicy({ allowedHosts: new Set(['ca.example']), maxFetches: 5, totalMs: 5_000 }, () => httpExchange({ service: 'crl', url, method: 'GET' })),
      (e: unknown) => isCmsError(e, 'crl-unreachable') && e.message === `The CRL server at ${url} was not contacted: 127.0.0.1 is not among the servers you agreed to contact.`,
    );
    await assert.rejects(httpExchange({ service: 'issuer', url: 'ldap://ca.example/cn=x', method: 'GET' }), (e: unknown) => isCmsError(e, 'issuer-unreachable'));
  });

  it('names a trust-service URL as written, query string included, as before the shared transport', async () => {
    const server = createHttpServer((_req, res) => res.writeHead(404).end());
    const { port, close } = await listenLocal(server);
    try {
      const url = `http://127.0.0.1:${port}/getcrl?id=7`;
      await assert.rejects(httpExchange({ service: 'crl', url: `${url}&missing=1`, method: 'GET' }), (e: unknown) => {
        assert.ok(isCmsError(e, 'crl-http-error'));
        assert.equal(e.message, `The CRL server at ${url}&missing=1 answered HTTP 404 (Not Found).`);
        assert.ok(isRemoteError(e.cause));
        assert.equal(e.cause.url, `${url}&missing=1`);
        return true;
      });
      // The label main/cms names the server with (the url param of error.cms.*): the URL as written.
      assert.equal(serverLabel('crl', url), `the CRL server at ${url}`);
      assert.equal(format('en', 'error.cms.crl-not-crl', serverParams(serverLabel('crl', url))), `The CRL server at ${url} did not send a certificate revocation list.`);
      assert.equal(serverLabel('crl', 'http://ca.example/getcrl?id=7'), 'the CRL server at http://ca.example/getcrl?id=7');
      assert.equal(serverLabel('ocsp', 'http://user:pw@ocsp.example/x?y=1#z'), 'the OCSP responder at http://ocsp.example/x?y=1#z', 'credentials are still removed');
      const long = `http://ca.example/${'a'.repeat(400)}?id=7`;
      assert.equal(serverLabel('issuer', long), `the CA certificate server at ${long}`, 'not cut at 300 characters');
    } finally {
      await close();
    }
  });

  it('maps 429 and 401 to <service>-http-error with the status, and does not retry them', async () => {
    let hits = 0;
    const server = createHttpServer((_req, res) => {
      hits += 1;
      res.writeHead(hits === 1 ? 429 : 401).end();
    });
    const { port, close } = await listenLocal(server);
    try {
      await assert.rejects(httpExchange({ service: 'tsa', url: `http://127.0.0.1:${port}/`, method: 'POST', body: new Uint8Array([1]) }), (e: unknown) =>
        isCmsError(e, 'tsa-http-error') && e.message === `The timestamp server at http://127.0.0.1:${port}/ answered HTTP 429 (Too Many Requests).`,
      );
      await assert.rejects(httpExchange({ service: 'crl', url: `http://127.0.0.1:${port}/x.crl`, method: 'GET' }), (e: unknown) =>
        isCmsError(e, 'crl-http-error') && /HTTP 401 \(Unauthorized\)\.$/.test(e.message),
      );
      assert.equal(hits, 2);
    } finally {
      await close();
    }
  });
});
