// How tests assert failures: the error's class (by its is* guard), its stable code, and then
// whatever the test wants of the message. Works for promises and for functions that throw or reject.
import assert from 'node:assert/strict';

export async function rejectsWith<E extends { code: string; message: string }>(
  work: Promise<unknown> | (() => unknown),
  is: (error: unknown) => error is E,
  code: string,
  check?: (message: string, error: E) => void,
): Promise<void> {
  await assert.rejects(async () => (typeof work === 'function' ? work() : work), (error: unknown) => {
    assert.ok(is(error), `expected another kind of error, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    check?.(error.message, error);
    return true;
  });
}

/** The code of the error `work` fails with, 'no code' for an error without one, 'no error' when it succeeds. */
export async function errorCode(work: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    return (error as { code?: string }).code ?? 'no code';
  }
  return 'no error';
}
