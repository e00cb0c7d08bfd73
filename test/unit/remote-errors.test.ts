// The pure parts of main/remote's errors and JSON client: how URLs and server text are shown,
// Retry-After, the JSON depth pre-scan, and what RemoteError serializes to.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boundedText, describeServer, displayUrl, redact, RemoteError } from '../../main/remote/errors';
import { jsonDepthExceeds, parseRetryAfter } from '../../main/remote/json';

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
