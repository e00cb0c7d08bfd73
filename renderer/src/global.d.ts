import type { ParapheApi } from '../../preload/contract/verbs';

declare global {
  interface Window {
    /** The only way to reach main: built by the preload from the IPC contract. */
    readonly paraphe: ParapheApi;
  }
}
export {};
