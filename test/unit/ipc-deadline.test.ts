// Every call from the app has a deadline (main/ipc/dispatch.ts): a handler that never settles is
// answered with `timeout`; channels that wait on the user have none; what a late handler still
// produces is released, and the handler's signal tells it to stop.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHANNEL_DEADLINES, dispatch } from '../../main/ipc/dispatch';
import { channels } from '../../preload/contract/schemas';
import type { ChannelName } from '../../preload/contract/schemas';
import { policy, quiet, recordingHandlers, trusted } from './helpers/ipc';

const summary = {
  docId: 'doc-0123456789abcdef', name: 'a.pdf', path: '/tmp/a.pdf', size: 10, pdfVersion: '1.7', pageCount: 1,
  encrypted: false, signatureCount: 0, revisionCount: 1, signatures: [],
};

describe('dispatch deadlines', () => {
  it('answers a handler that never settles with a timeout, and aborts its signal', async () => {
    let signal: AbortSignal | undefined;
    const { handlers } = recordingHandlers({});
    (handlers as unknown as Record<string, unknown>)['recent:list'] = (_request: unknown, context: { signal: AbortSignal }) => {
      signal = context.signal;
      return new Promise(() => undefined);
    };
    const started = Date.now();
    const result = await dispatch(handlers, policy, 'recent:list', {}, trusted, quiet, { deadlines: { 'recent:list': 50 } });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.error.code, 'timeout');
    assert.ok(Date.now() - started < 2_000);
    assert.equal(signal?.aborted, true);
  });

  it('releases what a timed-out open still produces (the document is closed)', async () => {
    const released: unknown[] = [];
    let finish: (value: unknown) => void = () => undefined;
    const { handlers } = recordingHandlers({ 'document:openPath': () => new Promise((resolve) => (finish = resolve)) });
    const result = await dispatch(handlers, policy, 'document:openPath', { path: '/tmp/a.pdf' }, trusted, quiet, {
      deadlines: { 'document:openPath': 20 },
      release: (channel, value) => released.push([channel, value]),
    });
    assert.equal(!result.ok && result.error.code, 'timeout');
    finish(summary);
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(released, [['document:openPath', summary]]);
  });

  it('waits as long as it takes on a channel that waits on the user', async () => {
    const { handlers } = recordingHandlers({ 'document:chooseAndOpen': () => new Promise((r) => setTimeout(() => r(null), 120)) });
    const result = await dispatch(handlers, policy, 'document:chooseAndOpen', {}, trusted, quiet, { deadlines: { 'recent:list': 10 } });
    assert.deepEqual(result, { ok: true, value: null });
  });

  it('gives every channel of the contract a deadline, except those that wait on the user', () => {
    assert.deepEqual(Object.keys(CHANNEL_DEADLINES).sort(), Object.keys(channels).sort());
    const waitOnUser: ChannelName[] = [
      'document:chooseAndOpen', 'trust:addFromSignature', 'identity:createPersonal', 'identity:chooseP12File',
      'identity:remove', 'identity:exportPersonal', 'tokens:addModule', 'issuers:import', 'document:sign',
      'remote:login', 'remote:remove',
    ];
    for (const [channel, ms] of Object.entries(CHANNEL_DEADLINES) as [ChannelName, number | null][]) {
      if (waitOnUser.includes(channel)) assert.equal(ms, null, channel);
      else assert.ok(ms !== null && ms >= 15_000, `${channel}: ${ms}`);
    }
  });

  it('a handler that answers in time is not affected', async () => {
    const { handlers } = recordingHandlers({ 'recent:list': async () => [] });
    assert.deepEqual(await dispatch(handlers, policy, 'recent:list', {}, trusted, quiet, { deadlines: { 'recent:list': 1_000 } }), { ok: true, value: [] });
  });
});
