// Documents handed to the app (command line, second instance, macOS open-file, File > Open) wait
// here until the renderer has loaded, then go out as 'document:openRequested' events. No electron
// import, so it is unit-tested.

export type Deliver = (path: string) => void;

export class OpenQueue {
  private readonly waiting: string[] = [];
  private deliver: Deliver | null = null;

  /** Hand paths to the renderer now if it is ready, else keep them (in order) until it is. */
  push(...paths: string[]): void {
    for (const path of paths) {
      if (this.deliver) this.deliver(path);
      else this.waiting.push(path);
    }
  }

  /** The renderer is ready (did-finish-load): deliver what waited. Null when it goes away. */
  setReady(deliver: Deliver | null): void {
    this.deliver = deliver;
    if (!deliver) return;
    for (const path of this.waiting.splice(0)) deliver(path);
  }

  get size(): number {
    return this.waiting.length;
  }
}
