// A batch runs its prepare and finish stages a few documents at a time, never all at once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eachAtMost } from '../../main/services/signing/session';

describe('eachAtMost', () => {
  it('never runs more than the limit at once, and runs every item once', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await eachAtMost(4, Array.from({ length: 23 }, (_, i) => i), async (item, index) => {
      assert.equal(item, index);
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((done) => setTimeout(done, 1 + (item % 3)));
      seen.push(item);
      running -= 1;
    });
    assert.equal(peak, 4);
    assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 23 }, (_, i) => i));
  });

  it('handles fewer items than the limit, and none', async () => {
    let peak = 0;
    let running = 0;
    await eachAtMost(4, [1, 2], async () => { running += 1; peak = Math.max(peak, running); await Promise.resolve(); running -= 1; });
    assert.equal(peak, 2);
    let calls = 0;
    await eachAtMost(4, [], async () => { calls += 1; });
    assert.equal(calls, 0);
  });

  it('passes a failure on', async () => {
    await assert.rejects(eachAtMost(2, [1, 2, 3], async (n) => { if (n === 2) throw new Error('two'); }), /two/);
  });
});
