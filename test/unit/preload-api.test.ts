import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildApi } from '../../preload/api';
import { channels } from '../../preload/contract/schemas';
import { MAIN_EVENT_CHANNEL, MAIN_REQUEST_CANCEL_CHANNEL, MAIN_REQUEST_CHANNEL, verbs } from '../../preload/contract/verbs';
import type { Transport } from '../../preload/contract/verbs';

function fakeTransport() {
  const invoked: { channel: string; payload: unknown }[] = [];
  const listeners = new Map<string, (m: unknown) => void>();
  const transport: Transport = {
    invoke: async (channel, payload) => {
      invoked.push({ channel, payload });
      return { ok: true, value: null };
    },
    on: (channel, listener) => {
      listeners.set(channel, listener);
      return () => listeners.delete(channel);
    },
    pathForFile: () => null,
  };
  const deliver = (channel: string, message: unknown) => listeners.get(channel)?.(message);
  return { transport, invoked, deliver };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('buildApi (window.paraphe)', () => {
  it('has one function per verb, each mapped to a channel of the contract, and nothing generic', () => {
    const api = buildApi(fakeTransport().transport);
    for (const channel of Object.values(verbs)) assert.ok(channel in channels, channel);
    const keys = Object.keys(api).sort();
    assert.deepEqual(keys, [...Object.keys(verbs), 'handleRequest', 'onEvent', 'pathForFile'].sort());
    assert.equal(Object.isFrozen(api), true);
  });

  it('sends a verb to its channel with an empty request by default', async () => {
    const { transport, invoked } = fakeTransport();
    const api = buildApi(transport);
    await api.getSettings();
    await api.openDocumentPath({ path: '/tmp/a.pdf' });
    assert.deepEqual(invoked, [
      { channel: 'settings:get', payload: {} },
      { channel: 'document:openPath', payload: { path: '/tmp/a.pdf' } },
    ]);
  });

  it('keeps an event that arrives before anyone listens and delivers it to the first listener', () => {
    const { transport, deliver } = fakeTransport();
    const api = buildApi(transport);
    deliver(MAIN_EVENT_CHANNEL, { name: 'document:openRequested', payload: { path: '/early.pdf' } });
    const seen: string[] = [];
    api.onEvent('document:openRequested', ({ path }) => seen.push(path));
    deliver(MAIN_EVENT_CHANNEL, { name: 'document:openRequested', payload: { path: '/late.pdf' } });
    assert.deepEqual(seen, ['/early.pdf', '/late.pdf']);
  });

  it('answers a main request with the handler value, or cancelled when there is no handler or the user cancels', async () => {
    const { transport, invoked, deliver } = fakeTransport();
    const api = buildApi(transport);
    deliver(MAIN_REQUEST_CHANNEL, { requestId: 'req-0000000000000001', kind: 'prompt:pin', payload: {} });
    api.handleRequest('prompt:pin', async () => ({ pin: '1234' }));
    deliver(MAIN_REQUEST_CHANNEL, { requestId: 'req-0000000000000002', kind: 'prompt:pin', payload: {} });
    api.handleRequest('prompt:otp', async () => null);
    deliver(MAIN_REQUEST_CHANNEL, { requestId: 'req-0000000000000003', kind: 'prompt:otp', payload: {} });
    await tick();
    assert.deepEqual(invoked.map((i) => i.payload), [
      { requestId: 'req-0000000000000001', outcome: { status: 'cancelled' } },
      { requestId: 'req-0000000000000002', outcome: { status: 'answered', value: { pin: '1234' } } },
      { requestId: 'req-0000000000000003', outcome: { status: 'cancelled' } },
    ]);
    assert.ok(invoked.every((i) => i.channel === 'renderer:answer'));
  });

  it('aborts the handler when main withdraws the request and sends no answer', async () => {
    const { transport, invoked, deliver } = fakeTransport();
    const api = buildApi(transport);
    let aborted = false;
    api.handleRequest('prompt:pin', (_payload, signal) => new Promise((resolve) => {
      signal.addEventListener('abort', () => {
        aborted = true;
        resolve({ pin: 'too-late' });
      });
    }));
    deliver(MAIN_REQUEST_CHANNEL, { requestId: 'req-0000000000000004', kind: 'prompt:pin', payload: {} });
    deliver(MAIN_REQUEST_CANCEL_CHANNEL, { requestId: 'req-0000000000000004' });
    await tick();
    assert.equal(aborted, true);
    assert.deepEqual(invoked, []);
  });
});
