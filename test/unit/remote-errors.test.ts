// The pure parts of main/remote's errors and JSON client: how URLs and server text are shown,
// Retry-After, the JSON depth pre-scan, what RemoteError serializes to, and its catalog messages
// (error.remote.*) in English and French.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUserFacing, UserFacingError } from '../../main/errors';
import { userFacingErrorInfo } from '../../main/ipc/dispatch';
import { boundedText, describeServer, displayUrl, redact, RemoteError, remoteMessage } from '../../main/remote/errors';
import type { RemoteSaid } from '../../main/remote/errors';
import { exchangeJson, jsonDepthExceeds, parseRetryAfter } from '../../main/remote/json';
import type { JsonExchange } from '../../main/remote/json';
import { format, formatMessage } from '../../preload/contract/messages';

describe('RemoteError and its helpers (main/remote/errors, json)', () => {
  it('shows URLs without query, fragment or credentials, and otherwise as written', () => {
    assert.equal(displayUrl('http://127.0.0.1:8080'), 'http://127.0.0.1:8080', 'no trailing slash added');
    assert.equal(displayUrl('https://csc.example/csc/v1/info?api_key=K#frag'), 'https://csc.example/csc/v1/info');
    assert.equal(displayUrl('https://user:p@ss@csc.example/x'), 'https://csc.example/x', 'up to the last @ of the authority');
    assert.equal(displayUrl('https://csc.example/a@b'), 'https://csc.example/a@b', 'an @ in the path is no credential');
    assert.equal(displayUrl('http://x/\u0000\u001b[2J'), 'http://x/ [2J');
    assert.ok(displayUrl(`https://x/${'a'.repeat(1_000)}`).length <= 300);
  });

  it('bounds server text, strips control characters and redacts secrets', () => {
    assert.equal(boundedText('a\r\n\tb\u0085c\u2028d'), 'a b c d');
    assert.equal(boundedText('x'.repeat(400)).length, 300);
    assert.equal(redact('token abcd1234 and abcd1234', ['abcd1234']), 'token [redacted] and [redacted]');
    assert.equal(redact('abc', ['']), 'abc', 'an empty secret redacts nothing');
    assert.equal(redact('type text/x-abcdefgh', ['ABCDEFGH']), 'type text/x-[redacted]', 'in any case');
    assert.equal(redact('said Bearer abcd1234', ['abcd1234', 'Bearer abcd1234']), 'said [redacted]', 'the longest first');
    assert.equal(redact('key abcd\u0007efgh'.replace('\u0007', ' '), ['abcd\u0007efgh']), 'key [redacted]', 'as boundedText shows it');
    assert.equal(redact(boundedText(`${'x'.repeat(290)} s3cr3t-t0ken-value`), ['s3cr3t-t0ken-value']), `${'x'.repeat(290)} [redacted]…`, 'its start, left by a cut');
    assert.equal(redact('ends with abc…', ['abcdefgh']), 'ends with abc…', 'less than 4 characters of it are no secret');
  });

  it('names known services in words, any other lower-case word as "the … service"', () => {
    assert.equal(describeServer('tsa', 'http://t/'), 'the timestamp server at http://t/');
    assert.equal(describeServer('csc', 'https://c/'), 'the remote signing service at https://c/');
    assert.equal(describeServer('acme', 'https://a/'), 'the acme service at https://a/');
    assert.equal(describeServer('Not A Word\n', 'https://a/'), 'the service at https://a/');
  });

  it('reads Retry-After as delta-seconds or an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now), 0, 'a date past is no wait');
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter('-5', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  it('measures JSON nesting outside strings, escaped quotes included', () => {
    assert.equal(jsonDepthExceeds('[[[]]]', 3), false);
    assert.equal(jsonDepthExceeds('[[[[]]]]', 3), true);
    assert.equal(jsonDepthExceeds('{"a":"[[[[[[","b":[1]}', 2), false);
    assert.equal(jsonDepthExceeds('{"a":"\\"[[[[","b":[[[1]]]}', 3), true, 'an escaped quote does not end the string');
    assert.equal(jsonDepthExceeds('[{}, {}, [], []]', 2), false, 'siblings do not add up');
    // "a\\" is a string holding one backslash: the quote after it ends the string, so the brackets after count.
    assert.equal(jsonDepthExceeds('[["a\\\\"],[[1]]]', 2), true, 'an escaped backslash does not escape the closing quote');
    assert.equal(jsonDepthExceeds('[["a\\\\"],[[1]]]', 3), false);
    assert.equal(jsonDepthExceeds('["\\\\\\"[[["]', 1), false, 'a backslash, then an escaped quote: still inside the string');
  });

  it('refuses retry settings and limits that would loop until the deadline, before sending anything', async () => {
    const ask = (more: Partial<JsonExchange>) => exchangeJson({ service: 'csc', method: 'GET', url: 'not a url', ...more });
    const refused: Partial<JsonExchange>[] = [
      { retry: { attempts: NaN } }, { retry: { attempts: 0 } }, { retry: { attempts: -1 } }, { retry: { attempts: 2.5 } }, { retry: { attempts: Infinity } },
      { retry: { baseMs: NaN } }, { retry: { baseMs: -1 } }, { retry: { baseMs: Infinity } },
      { retry: { maxDelayMs: NaN } }, { retry: { maxDelayMs: -5 } },
      { timeoutMs: NaN }, { timeoutMs: 0 }, { attemptTimeoutMs: -1 }, { maxBytes: NaN },
    ];
    for (const more of refused) await assert.rejects(ask(more), TypeError, JSON.stringify(more, (_k, v: unknown) => (typeof v === 'number' ? String(v) : v)));
    // In range: the exchange goes on (and fails on its URL, as a RemoteError).
    for (const more of [{ retry: { attempts: 1, baseMs: 0, maxDelayMs: 0 } }, { retry: false as const }, {}]) {
      await assert.rejects(ask(more), (e: unknown) => e instanceof RemoteError && e.kind === 'bad-url');
    }
  });

  it('serializes its fields and message, never its cause', () => {
    const cause = Object.assign(new Error('secret cause'), { code: 'ECONNRESET' });
    const error = new RemoteError('csc', 'http-status', 'https://u:pw@csc.example/x?t=1', 'The remote signing service at https://csc.example/x answered HTTP 400.', {
      status: 400,
      remote: { error: 'invalid_request' },
      cause,
    });
    assert.equal(error.url, 'https://csc.example/x');
    assert.equal(error.cause, cause);
    assert.deepEqual(JSON.parse(JSON.stringify(error)), {
      name: 'RemoteError',
      service: 'csc',
      kind: 'http-status',
      url: 'https://csc.example/x',
      message: 'The remote signing service at https://csc.example/x answered HTTP 400.',
      status: 400,
      remote: { error: 'invalid_request' },
    });
    assert.equal(String(error), 'RemoteError: The remote signing service at https://csc.example/x answered HTTP 400.');
    assert.ok(!('retryAfterMs' in error), 'absent details are no properties');
  });
});

describe('remote failures are catalog messages (remoteMessage, error.remote.*)', () => {
  const url = 'https://csc.example/v1';
  const at = 'The remote signing service at https://csc.example/v1';
  // English: the sentences these errors always had (asserted by the integration tests too).
  const cases: [RemoteSaid, string][] = [
    [{ say: 'unreachable', why: 'invalidUrl' }, `${at} cannot be reached (the URL is not valid).`],
    [{ say: 'unreachable', why: 'scheme' }, `${at} cannot be reached (only http and https URLs are supported).`],
    [{ say: 'unreachable', why: 'refused' }, `${at} cannot be reached (connection refused).`],
    [{ say: 'unreachable', why: 'notFound' }, `${at} cannot be reached (host not found).`],
    [{ say: 'unreachable', why: 'closed' }, `${at} cannot be reached (the connection was closed).`],
    [{ say: 'unreachable', why: 'noRoute' }, `${at} cannot be reached (no route to the host).`],
    [{ say: 'unreachable', why: 'tls', detail: 'CERT_HAS_EXPIRED' }, `${at} cannot be reached (its TLS certificate is not trusted: CERT_HAS_EXPIRED).`],
    [{ say: 'unreachable', why: 'other', detail: 'EPROTO' }, `${at} cannot be reached (EPROTO).`],
    [{ say: 'not-contacted', why: 'host', host: 'csc.example' }, `${at} was not contacted: csc.example is not among the servers you agreed to contact.`],
    [{ say: 'not-contacted', why: 'count', count: 40 }, `${at} was not contacted: this check already made 40 requests, the most allowed.`],
    [{ say: 'not-contacted', why: 'time', ms: 90_000 }, `${at} was not contacted: this check ran out of its 90 s.`],
    [{ say: 'not-contacted', why: 'plainHttp' }, `${at} was not contacted: credentials are never sent over plain http.`],
    [{ say: 'timeout', why: 'connect' }, `${at} did not answer in time (connection timed out).`],
    [{ say: 'timeout', why: 'deadline', ms: 300 }, `${at} did not answer within 0.3 s.`],
    [{ say: 'timeout', why: 'deadline', ms: 15_000 }, `${at} did not answer within 15 s.`],
    [{ say: 'http-status', status: 400, text: '', detail: '' }, `${at} answered HTTP 400.`],
    [{ say: 'http-status', status: 429, text: 'Too Many Requests', detail: 'too_many_requests: Quota exceeded' }, `${at} answered HTTP 429 (Too Many Requests): too_many_requests: Quota exceeded.`],
    [{ say: 'http-status', status: 503, text: '', detail: 'down' }, `${at} answered HTTP 503: down.`],
    [{ say: 'too-large', size: 4_000, max: 1_024 }, `${at} sent 4 KB, more than the 1 KB accepted.`],
    [{ say: 'too-large', max: 64 * 1024 * 1024 }, `${at} sent more than the 64 MB accepted.`],
    [{ say: 'too-large', size: 1.5 * 1024 * 1024, max: 1024 * 1024 }, `${at} sent 1.5 MB, more than the 1 MB accepted.`],
    [{ say: 'bad-response', why: 'type', contentType: 'text/html' }, `${at} did not answer with JSON (it sent text/html).`],
    [{ say: 'bad-response', why: 'noType' }, `${at} did not answer with JSON (no content type).`],
    [{ say: 'bad-response', why: 'notUtf8' }, `${at} did not answer with JSON (the body is not UTF-8).`],
    [{ say: 'bad-response', why: 'deep', depth: 64 }, `${at} did not answer with JSON (nested deeper than 64 levels).`],
    [{ say: 'bad-response', why: 'parse' }, `${at} did not answer with JSON (the body does not parse).`],
    [{ say: 'cancelled' }, 'The request to the remote signing service at https://csc.example/v1 was cancelled.'],
  ];

  it('words every failure in English as before', () => {
    for (const [said, english] of cases) assert.equal(formatMessage('en', remoteMessage('csc', url, said)), english, JSON.stringify(said));
  });

  it('words every failure in French, none left in English', () => {
    for (const [said, english] of cases) {
      const message = remoteMessage('csc', url, said);
      const french = formatMessage('fr', message);
      assert.notEqual(french, message.key, `${message.key} formats in French`);
      assert.notEqual(french, english);
      assert.match(french, /^(Le service de signature à distance https:\/\/csc\.example\/v1 |La requête au service de signature à distance )/, french);
      assert.doesNotMatch(french, /cannot be reached|was not contacted|did not answer|answered HTTP|accepted|was cancelled/, french);
    }
    assert.equal(formatMessage('fr', remoteMessage('csc', url, { say: 'timeout', why: 'deadline', ms: 300 })), 'Le service de signature à distance https://csc.example/v1 n’a pas répondu dans le délai de 0,3 s.');
    assert.equal(formatMessage('fr', remoteMessage('csc', url, { say: 'too-large', size: 1.5 * 1024 * 1024, max: 1024 * 1024 })), 'Le service de signature à distance https://csc.example/v1 a envoyé 1,5 Mo, au-delà de la limite de 1 Mo.');
    assert.equal(formatMessage('fr', remoteMessage('crl', 'http://c.example/x.crl', { say: 'too-large', max: 64 * 1024 * 1024 })), 'Le serveur de LCR http://c.example/x.crl a envoyé une réponse qui dépasse la limite de 64 Mo.');
    assert.equal(formatMessage('fr', remoteMessage('ocsp', 'http://o.example/', { say: 'not-contacted', why: 'count', count: 1 })), 'Le répondeur OCSP http://o.example/ n’a pas été contacté : cette vérification a déjà envoyé 1 requête, le maximum permis.');
  });

  it('names each service as describeServer does, and a server without a URL by its kind alone', () => {
    for (const service of ['tsa', 'ocsp', 'crl', 'issuer', 'csc', 'certsign', 'certcentral', 'acme', 'Not A Word\n']) {
      const sentence = formatMessage('en', remoteMessage(service, 'https://a/', { say: 'cancelled' }));
      assert.equal(sentence, `The request to ${describeServer(service, 'https://a/')} was cancelled.`);
    }
    assert.equal(formatMessage('en', remoteMessage('tsa', '', { say: 'unreachable', why: 'invalidUrl' })), 'The timestamp server cannot be reached (the URL is not valid).');
    assert.equal(formatMessage('fr', remoteMessage('tsa', '', { say: 'unreachable', why: 'invalidUrl' })), 'Le serveur d’horodatage est injoignable (l’URL n’est pas valide).');
    assert.equal(formatMessage('fr', remoteMessage('crl', 'http://c/', { say: 'cancelled' })), 'La requête au serveur de LCR http://c/ a été annulée.');
  });

  it('is a UserFacingError (code remote-<kind>) that crosses IPC as its catalog message, not as "internal"', () => {
    const error = new RemoteError('certcentral', 'unauthorized', 'https://cc.example/x', remoteMessage('certcentral', 'https://cc.example/x', { say: 'http-status', status: 401, text: 'Unauthorized', detail: '' }), { status: 401 });
    assert.ok(error instanceof UserFacingError && isUserFacing(error));
    assert.equal(error.code, 'remote-unauthorized');
    assert.equal(error.kind, 'unauthorized');
    assert.equal(error.service, 'certcentral');
    assert.equal(error.message, 'The DigiCert CertCentral service at https://cc.example/x answered HTTP 401 (Unauthorized).');
    assert.equal(error.wordedIn('fr'), 'Le service DigiCert CertCentral https://cc.example/x a renvoyé le code HTTP 401 (Unauthorized).');
    const info = userFacingErrorInfo(error);
    assert.equal(info.code, 'remote-unauthorized');
    assert.equal(info.key, 'error.remote.http-status');
    assert.equal(format('fr', 'error.remote.http-status', info.params), error.wordedIn('fr'));
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(error))).sort(), ['kind', 'message', 'name', 'service', 'status', 'url']);
  });
});
