import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError, UserFacingError } from '../../main/errors';
import { appOriginPolicy, dispatch } from '../../main/ipc/dispatch';
import type { DispatchLog } from '../../main/ipc/dispatch';
import { RendererBridge } from '../../main/ipc/renderer-bridge';
import { MAIN_EVENT_CHANNEL, MAIN_REQUEST_CANCEL_CHANNEL, MAIN_REQUEST_CHANNEL } from '../../preload/contract/verbs';
import type { MainRequestMessage } from '../../preload/contract/verbs';
import { policy, recordingHandlers, trusted } from './helpers/ipc';


/** A log that records instead of printing. */
function recorder() {
  const lines: string[] = [];
  const errors: unknown[] = [];
  const log: DispatchLog = {
    warn: (message) => lines.push(message),
    error: (message, error) => {
      lines.push(message);
      errors.push(error);
    },
  };
  return { log, lines, errors };
}


const settings = { locale: 'system', recent: [] };

describe('appOriginPolicy', () => {
  it('accepts the main frame of the app window on paraphe://app (a non-special scheme in Node)', () => {
    assert.equal(policy(trusted), true);
  });

  it('refuses another origin, a sub-frame, a foreign window, file:// and an unparsable URL', () => {
    for (const sender of [
      { ...trusted, url: 'https://evil.example/index.html' },
      { ...trusted, url: 'paraphe://evil/index.html' },
      { ...trusted, url: 'file:///home/anne/x.html' },
      { ...trusted, url: 'data:text/html,x' },
      { ...trusted, url: '' },
      { ...trusted, isMainFrame: false },
      { ...trusted, isAppWindow: false },
    ]) assert.equal(policy(sender), false, JSON.stringify(sender));
  });

  it('still works for an http origin (the browser test harness)', () => {
    const harness = appOriginPolicy('http://127.0.0.1:4173');
    assert.equal(harness({ ...trusted, url: 'http://127.0.0.1:4173/index.html' }), true);
    assert.equal(harness({ ...trusted, url: 'http://127.0.0.1:4174/index.html' }), false);
  });
});

describe('dispatch', () => {
  it('refuses a channel that is not in the contract, prototype names included', async () => {
    const { handlers, calls } = recordingHandlers({});
    const { log } = recorder();
    for (const channel of ['fs:readFile', '__proto__', 'constructor', 'hasOwnProperty', '']) {
      const result = await dispatch(handlers, () => true, channel, {}, trusted, log);
      assert.deepEqual(result.ok ? null : result.error.code, 'unknown-channel', channel);
    }
    assert.equal(calls.length, 0);
  });

  it('refuses an untrusted sender without calling the handler and without logging the payload', async () => {
    const { handlers, calls } = recordingHandlers({ 'document:openPath': () => assert.fail('handler called') });
    for (const sender of [
      { ...trusted, url: 'https://evil.example/' },
      { ...trusted, isMainFrame: false },
      { ...trusted, isAppWindow: false },
      { url: '', isMainFrame: false, isAppWindow: false },
    ]) {
      const { log, lines } = recorder();
      const result = await dispatch(handlers, policy, 'document:openPath', { path: '/secret-1234.pdf' }, sender, log);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.error.code, 'untrusted-sender');
      assert.ok(lines.every((line) => !line.includes('secret-1234')), 'payload logged');
    }
    assert.equal(calls.length, 0);
  });

  it('answers invalid-request to a malformed payload and does not call the handler', async () => {
    const { handlers, calls } = recordingHandlers({
      'document:openPath': () => assert.fail('handler called'),
      'document:readRange': () => assert.fail('handler called'),
      'app:info': () => assert.fail('handler called'),
    });
    const cases: Array<[string, unknown]> = [
      ['document:openPath', { path: 42 }],
      ['document:openPath', { path: '/x.pdf', extra: true }],
      ['document:openPath', { path: 'a\0b.pdf' }],
      ['document:openPath', null],
      ['document:readRange', { docId: 'doc-0123456789abcdef', begin: 10, end: 10 }],
      ['document:readRange', { docId: '../etc/passwd', begin: 0, end: 10 }],
      ['app:info', { anything: 1 }],
    ];
    for (const [channel, payload] of cases) {
      const result = await dispatch(handlers, policy, channel, payload, trusted, recorder().log);
      assert.equal(!result.ok && result.error.code, 'invalid-request', `${channel} ${JSON.stringify(payload)}`);
    }
    assert.equal(calls.length, 0);
  });

  it('names the offending field in the invalid-request message', async () => {
    const { handlers } = recordingHandlers({});
    const result = await dispatch(handlers, policy, 'document:openPath', { path: 42 }, trusted, recorder().log);
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.error.message : '', /document:openPath \(path\)/);
  });

  it('passes the parsed request to the handler and answers with the checked value', async () => {
    const { handlers, calls } = recordingHandlers({ 'settings:setLocale': () => ({ ...settings, locale: 'fr' }) });
    const result = await dispatch(handlers, policy, 'settings:setLocale', { locale: 'fr' }, trusted, recorder().log);
    assert.deepEqual(result, { ok: true, value: { locale: 'fr', recent: [] } });
    assert.deepEqual(calls, [{ channel: 'settings:setLocale', request: { locale: 'fr' } }]);
  });

  it('keeps the code and message of a user-facing error (AppError)', async () => {
    const { handlers } = recordingHandlers({
      'document:openPath': () => {
        throw new AppError('not-found', 'contrat.pdf cannot be found (it may have been moved or deleted).');
      },
    });
    const result = await dispatch(handlers, policy, 'document:openPath', { path: '/x/contrat.pdf' }, trusted, recorder().log);
    assert.deepEqual(result, { ok: false, error: { code: 'not-found', message: 'contrat.pdf cannot be found (it may have been moved or deleted).' } });
  });

  it('keeps the code of a layer error (a UserFacingError subclass), from an async handler too', async () => {
    class SettingsError extends UserFacingError<'settings-read-only'> {}
    const { handlers } = recordingHandlers({
      'recent:clear': async () => {
        throw new SettingsError('settings-read-only', 'The settings file is read-only.');
      },
    });
    const result = await dispatch(handlers, policy, 'recent:clear', {}, trusted, recorder().log);
    assert.deepEqual(result, { ok: false, error: { code: 'settings-read-only', message: 'The settings file is read-only.' } });
  });

  it('turns an unexpected error into internal without leaking its message or stack', async () => {
    const { handlers } = recordingHandlers({
      'recent:list': () => {
        throw new TypeError('Cannot read properties of undefined (reading /home/anne/.secret)');
      },
    });
    const { log, errors } = recorder();
    const result = await dispatch(handlers, policy, 'recent:list', {}, trusted, log);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.error.code, 'internal');
    const text = JSON.stringify(result);
    assert.ok(!text.includes('secret') && !text.includes('TypeError') && !text.includes(' at '), text);
    assert.equal(errors.length, 1, 'the error is logged in main');
  });

  it('treats a plain Error with a code but no userFacing flag (e.g. ENOENT) as internal', async () => {
    const { handlers } = recordingHandlers({
      'recent:list': () => {
        throw Object.assign(new Error("ENOENT: no such file or directory, open '/home/anne/x'"), { code: 'ENOENT' });
      },
    });
    const result = await dispatch(handlers, policy, 'recent:list', {}, trusted, recorder().log);
    assert.equal(!result.ok && result.error.code, 'internal');
  });

  it('turns a response that breaks the contract into internal', async () => {
    const { handlers } = recordingHandlers({
      'settings:get': () => ({ locale: 'de', recent: [] }),
      'document:close': () => undefined,
    });
    const { log, errors } = recorder();
    const bad = await dispatch(handlers, policy, 'settings:get', {}, trusted, log);
    assert.equal(!bad.ok && bad.error.code, 'internal');
    const undef = await dispatch(handlers, policy, 'document:close', { docId: 'doc-0123456789abcdef' }, trusted, log);
    assert.equal(!undef.ok && undef.error.code, 'internal');
    assert.equal(errors.length, 2);
  });

  it('answers bytes for document:readRange', async () => {
    const { handlers } = recordingHandlers({ 'document:readRange': () => Buffer.from('%PDF-') });
    const result = await dispatch(handlers, policy, 'document:readRange', { docId: 'doc-0123456789abcdef', begin: 0, end: 5 }, trusted, recorder().log);
    assert.equal(result.ok, true);
    assert.ok(result.ok && result.value instanceof Uint8Array);
  });
});

/** A bridge attached to a recording window. */
function bridgeWithWindow() {
  const bridge = new RendererBridge();
  const sent: Array<{ channel: string; message: unknown }> = [];
  bridge.attach((channel, message) => sent.push({ channel, message }));
  const lastRequest = () => {
    const found = [...sent].reverse().find((s) => s.channel === MAIN_REQUEST_CHANNEL);
    assert.ok(found, 'no request sent');
    return found.message as MainRequestMessage;
  };
  const cancels = () => sent.filter((s) => s.channel === MAIN_REQUEST_CANCEL_CHANNEL).map((s) => (s.message as { requestId: string }).requestId);
  return { bridge, sent, lastRequest, cancels };
}

const pinRequest = { tokenLabel: 'eToken 5110', keyLabel: 'Élodie Signataire', triesLeft: 3, pinCountLow: false, finalTry: false, retry: false, pinPad: false, contextSpecific: false };
const otpRequest = { service: 'DigiCert', identity: 'Élodie Signataire', documents: 1, triesLeft: null, retry: false };

describe('RendererBridge', () => {
  it('sends the request and resolves with the validated answer', async () => {
    const { bridge, lastRequest } = bridgeWithWindow();
    const answer = bridge.ask('prompt:pin', pinRequest);
    const request = lastRequest();
    assert.equal(request.kind, 'prompt:pin');
    assert.match(request.requestId, /^req-[0-9a-f]{16}$/);
    assert.deepEqual(request.payload, pinRequest);
    assert.equal(bridge.pendingCount, 1);
    bridge.answer(request.requestId, { status: 'answered', value: { pin: '123456' } });
    assert.deepEqual(await answer, { pin: '123456' });
    assert.equal(bridge.pendingCount, 0);
  });

  it('resolves null when the user cancels', async () => {
    const { bridge, lastRequest } = bridgeWithWindow();
    const answer = bridge.ask('prompt:otp', otpRequest);
    bridge.answer(lastRequest().requestId, { status: 'cancelled' });
    assert.equal(await answer, null);
  });

  it('resolves null when the answer breaks the response schema', async () => {
    const { bridge, lastRequest } = bridgeWithWindow();
    for (const value of [{ pin: '' }, { pin: 1234 }, { pin: '1234', extra: 1 }, null, 'pin']) {
      const answer = bridge.ask('prompt:pin', pinRequest);
      bridge.answer(lastRequest().requestId, { status: 'answered', value });
      assert.equal(await answer, null, JSON.stringify(value));
    }
    assert.equal(bridge.pendingCount, 0);
  });

  it('does not accept an answer of one kind for a request of another', async () => {
    const { bridge, lastRequest } = bridgeWithWindow();
    const answer = bridge.ask('prompt:otp', { ...otpRequest, triesLeft: 2, retry: true });
    bridge.answer(lastRequest().requestId, { status: 'answered', value: { pin: '123456' } });
    assert.equal(await answer, null);
  });

  it('times out with null and tells the renderer to withdraw the prompt', async () => {
    const { bridge, lastRequest, cancels } = bridgeWithWindow();
    const answer = bridge.ask('prompt:pin', pinRequest, { timeoutMs: 20 });
    const { requestId } = lastRequest();
    assert.equal(await answer, null);
    assert.deepEqual(cancels(), [requestId]);
    assert.equal(bridge.pendingCount, 0);
  });

  it('resolves null when the caller aborts, and withdraws the prompt', async () => {
    const { bridge, lastRequest, cancels } = bridgeWithWindow();
    const controller = new AbortController();
    const answer = bridge.ask('prompt:pin', pinRequest, { signal: controller.signal });
    const { requestId } = lastRequest();
    controller.abort();
    assert.equal(await answer, null);
    assert.deepEqual(cancels(), [requestId]);
  });

  it('resolves null at once for an already aborted signal, sending nothing', async () => {
    const { bridge, sent } = bridgeWithWindow();
    assert.equal(await bridge.ask('prompt:pin', pinRequest, { signal: AbortSignal.abort() }), null);
    assert.equal(sent.length, 0);
  });

  it('resolves null when no window is attached', async () => {
    const bridge = new RendererBridge();
    assert.equal(await bridge.ask('prompt:pin', pinRequest), null);
  });

  it('resolves every pending request with null when the window detaches', async () => {
    const { bridge } = bridgeWithWindow();
    const first = bridge.ask('prompt:pin', pinRequest);
    const second = bridge.ask('prompt:otp', otpRequest);
    bridge.attach(null);
    assert.deepEqual(await Promise.all([first, second]), [null, null]);
    assert.equal(bridge.pendingCount, 0);
  });

  it('ignores a late answer and a second answer', async () => {
    const { bridge, lastRequest } = bridgeWithWindow();
    const timedOut = bridge.ask('prompt:pin', pinRequest, { timeoutMs: 10 });
    const late = lastRequest().requestId;
    assert.equal(await timedOut, null);
    bridge.answer(late, { status: 'answered', value: { pin: '1234' } });
    assert.equal(bridge.pendingCount, 0);

    const answered = bridge.ask('prompt:pin', pinRequest);
    const id = lastRequest().requestId;
    bridge.answer(id, { status: 'answered', value: { pin: '1111' } });
    bridge.answer(id, { status: 'answered', value: { pin: '2222' } });
    assert.deepEqual(await answered, { pin: '1111' });
  });

  it('ignores an answer to an id it never issued', () => {
    const { bridge } = bridgeWithWindow();
    bridge.answer('req-0000000000000000', { status: 'cancelled' });
    assert.equal(bridge.pendingCount, 0);
  });

  it('refuses to send a request that breaks its own schema', () => {
    const { bridge, sent } = bridgeWithWindow();
    assert.throws(() => bridge.ask('prompt:pin', { ...pinRequest, triesLeft: -1 }));
    assert.equal(sent.length, 0);
    assert.equal(bridge.pendingCount, 0);
  });

  it('emits checked events, and reports false without a window', () => {
    const { bridge, sent } = bridgeWithWindow();
    assert.equal(bridge.emit('document:openRequested', { path: '/x.pdf' }), true);
    assert.deepEqual(sent, [{ channel: MAIN_EVENT_CHANNEL, message: { name: 'document:openRequested', payload: { path: '/x.pdf' } } }]);
    assert.throws(() => bridge.emit('document:openRequested', { path: '' }));
    bridge.attach(null);
    assert.equal(bridge.emit('document:openRequested', { path: '/y.pdf' }), false);
  });
});
