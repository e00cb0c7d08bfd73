// Main -> renderer traffic: notifications (events) and requests that wait for the user (PIN, OTP).
// A pending request resolves with the validated answer, or null when the user cancels, the
// request times out, the caller aborts, or the window goes away: never hangs.
import { randomBytes } from 'node:crypto';
import { events, rendererRequests } from '../../preload/contract/schemas';
import type { EventName, EventPayload, RendererRequestKind, RendererRequestOf } from '../../preload/contract/schemas';
import { MAIN_EVENT_CHANNEL, MAIN_REQUEST_CANCEL_CHANNEL, MAIN_REQUEST_CHANNEL } from '../../preload/contract/verbs';
import type { z } from 'zod';

export type SendToRenderer = (channel: string, message: unknown) => void;

type Outcome = { status: 'answered'; value: unknown } | { status: 'cancelled' };

interface Pending {
  kind: RendererRequestKind;
  settle: (value: unknown) => void;
}

export interface AskOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export type RendererAnswer<K extends RendererRequestKind> = z.output<(typeof rendererRequests)[K]['response']>;

export class RendererBridge {
  private send: SendToRenderer | null = null;
  private readonly pending = new Map<string, Pending>();

  /** Attach (or detach with null) the window that answers. Detaching cancels what is pending. */
  attach(send: SendToRenderer | null): void {
    // A new window (or none) cannot answer what the previous one was asked: cancel it.
    for (const id of [...this.pending.keys()]) this.settle(id, null);
    this.send = send;
  }

  emit<E extends EventName>(name: E, payload: EventPayload<E>): boolean {
    const checked = events[name].parse(payload);
    if (!this.send) return false;
    try {
      this.send(MAIN_EVENT_CHANNEL, { name, payload: checked });
      return true;
    } catch {
      return false;
    }
  }

  /** Ask the renderer; resolves with the answer or null (cancelled, timed out, no window). */
  ask<K extends RendererRequestKind>(kind: K, payload: RendererRequestOf<K>, options: AskOptions = {}): Promise<RendererAnswer<K> | null> {
    const send = this.send;
    if (!send || options.signal?.aborted) return Promise.resolve(null);
    const requestId = `req-${randomBytes(8).toString('hex')}`;
    const request = rendererRequests[kind].request.parse(payload);
    return new Promise((resolve) => {
      const timeoutMs = options.timeoutMs ?? 5 * 60_000;
      const timer = setTimeout(() => this.withdraw(requestId), timeoutMs);
      const onAbort = () => this.withdraw(requestId);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(requestId, {
        kind,
        settle: (value) => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          resolve(value as RendererAnswer<K> | null);
        },
      });
      try {
        send(MAIN_REQUEST_CHANNEL, { requestId, kind, payload: request });
      } catch {
        // The window went away between the check and the send: nobody can answer.
        this.settle(requestId, null);
      }
    });
  }

  /** The renderer's answer (from the renderer:answer channel, already schema-checked as a shape). */
  answer(requestId: string, outcome: Outcome): void {
    const pending = this.pending.get(requestId);
    if (!pending) return; // late answer to a withdrawn request: ignored
    if (outcome.status === 'cancelled') {
      this.settle(requestId, null);
      return;
    }
    const parsed = rendererRequests[pending.kind].response.safeParse(outcome.value);
    this.settle(requestId, parsed.success ? parsed.data : null);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  private withdraw(requestId: string): void {
    if (!this.pending.has(requestId)) return;
    try {
      this.send?.(MAIN_REQUEST_CANCEL_CHANNEL, { requestId });
    } catch {
      // the window is gone: nothing to tell it
    }
    this.settle(requestId, null);
  }

  private settle(requestId: string, value: unknown): void {
    const pending = this.pending.get(requestId);
    if (!pending) return;
    this.pending.delete(requestId);
    pending.settle(value);
  }
}
