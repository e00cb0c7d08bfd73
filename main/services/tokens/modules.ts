// The PKCS#11 modules of a run: found in the usual places or added by the user, loaded once per set
// of paths and kept until closed (C_Initialize/C_Finalize per call would log the user out between
// two documents), and watched for tokens plugged in and out (polled; see native/pkcs11's watchSlots
// for why not C_WaitForSlotEvent).
import { discoverModules, loadModules, watchSlots } from '../../../native/pkcs11';
import type { LoadedCandidate, ModuleStats, Pkcs11Module, WatchedToken } from '../../../native/pkcs11';
import type { TokenServiceOptions } from './types';

export interface SlotWatch {
  /** Tokens left `module`: their sessions are dead. */
  onRemoved: (modulePath: string, removed: readonly WatchedToken[]) => Promise<void>;
  /** Something changed (after onRemoved). */
  onChange: () => void;
  intervalMs: number;
}

export class ModuleRegistry {
  private loaded: LoadedCandidate[] | null = null;
  private loadedKey = '';
  private watch: (SlotWatch & { stops: (() => void)[] }) | null = null;

  constructor(
    private readonly options: Pick<TokenServiceOptions, 'userModules' | 'knownModules'>,
    /** Called before the modules of another set of paths are loaded (their sessions end). */
    private readonly beforeReload: () => Promise<void>,
  ) {}

  /** The loaded modules (and those that failed, with their reason), for the current set of paths. */
  async modules(): Promise<LoadedCandidate[]> {
    const user = [...(await this.options.userModules())];
    const known = this.options.knownModules?.();
    const key = JSON.stringify([user, known ?? null]);
    if (this.loaded && key === this.loadedKey) return this.loaded;
    if (this.loaded) {
      await this.beforeReload();
      await this.close();
    }
    const candidates = known
      ? [...known.map((path) => ({ path, source: 'known' as const, name: path.split('/').pop() ?? path, exists: true })), ...discoverModules(user).filter((c) => c.source === 'user')]
      : discoverModules(user);
    this.loaded = await loadModules(candidates);
    this.loadedKey = key;
    // A driver added or removed: the tokens of the new set are watched from now on.
    this.arm();
    return this.loaded;
  }

  /** The loaded module at `path`. */
  async module(path: string): Promise<Pkcs11Module | undefined> {
    return (await this.modules()).find((m) => m.candidate.path === path)?.module;
  }

  /** Watches every loaded module (and those of later sets of paths) until the returned function is called. */
  async watchSlots(watch: SlotWatch): Promise<() => void> {
    this.disarm();
    this.watch = { ...watch, stops: [] };
    await this.modules();
    this.arm();
    return () => {
      this.disarm();
      this.watch = null;
    };
  }

  /** PKCS#11 call counters of the loaded modules, summed (C_Login and C_Sign counts: no secrets). */
  stats(): ModuleStats {
    const total: ModuleStats = { logins: 0, contextLogins: 0, signatures: 0 };
    for (const { module } of this.loaded ?? []) {
      if (!module) continue;
      const s = module.stats();
      total.logins += s.logins;
      total.contextLogins += s.contextLogins;
      total.signatures += s.signatures;
    }
    return total;
  }

  /** Stops watching and closes every module (C_Finalize). Idempotent. */
  async close(): Promise<void> {
    this.disarm();
    const loaded = this.loaded ?? [];
    this.loaded = null;
    this.loadedKey = '';
    await Promise.all(loaded.map(({ module }) => module?.close().catch(() => undefined)));
  }

  private arm(): void {
    const watch = this.watch;
    if (!watch) return;
    this.disarm();
    for (const { module } of this.loaded ?? []) {
      if (!module) continue;
      watch.stops.push(
        watchSlots(module, (change) => {
          if (change.initial) return;
          void watch.onRemoved(module.path, change.removed).then(watch.onChange, () => undefined);
        }, watch.intervalMs),
      );
    }
  }

  private disarm(): void {
    for (const stop of this.watch?.stops.splice(0) ?? []) stop();
  }
}
