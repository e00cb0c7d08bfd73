// The files the renderer may name by path: only those main itself received from the user — its
// own open dialogs, the command line / second instance / macOS open-file, and the lists it keeps
// (recent documents, imported .p12 files). A path the renderer makes up (a compromised page asking
// for /etc/passwd or ~/.ssh/id_rsa) is refused before the file is touched, with one neutral error
// that says nothing of whether the file exists or what it holds.
import { resolve } from 'node:path';
import { AppError, msg } from '../errors';

/** What a path was granted for: a PDF to open, or a PKCS#12 file to import. */
export type GrantKind = 'document' | 'certificate';

/** The refusal: the same code and sentence for a missing file, a present one and a directory. */
export function notGranted(): AppError {
  return new AppError('path-not-granted', msg('error.app.path-not-granted'));
}

/** At most this many paths per kind are remembered (the oldest granted is forgotten first). */
const MAX_GRANTS = 256;

export class GrantedPaths {
  private readonly granted: Record<GrantKind, Set<string>> = { document: new Set(), certificate: new Set() };

  /**
   * @param kept the paths main keeps in its lists for a kind (recent documents, imported .p12
   *   files), read at check time so that a list edited since is followed.
   */
  constructor(private readonly kept: (kind: GrantKind) => Promise<readonly string[]> = async () => []) {}

  /** Main received `path` from the user (dialog, argv, open-file): the renderer may now name it. */
  grant(path: string, kind: GrantKind): string {
    const absolute = resolve(path);
    const set = this.granted[kind];
    set.delete(absolute);
    set.add(absolute);
    while (set.size > MAX_GRANTS) {
      const oldest = set.values().next().value;
      if (oldest === undefined) break;
      set.delete(oldest);
    }
    return absolute;
  }

  async isGranted(path: string, kind: GrantKind): Promise<boolean> {
    const absolute = resolve(path);
    if (this.granted[kind].has(absolute)) return true;
    const kept = await this.kept(kind).catch((): readonly string[] => []);
    return kept.some((p) => resolve(p) === absolute);
  }

  /** The absolute path when the renderer may name it; the neutral refusal otherwise. */
  async check(path: string, kind: GrantKind): Promise<string> {
    if (!(await this.isGranted(path, kind))) throw notGranted();
    return resolve(path);
  }
}
