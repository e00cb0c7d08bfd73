// "Never over the input": one check for the app and the CLI. Two paths name the same file when
// they resolve alike, when their real paths agree (symbolic links to the file or to a folder on
// the way), or when they are the same inode of the same device (hard links, bind mounts).
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { AppError, msg } from '../errors';

/** The real path of a file that may not exist yet: its own, else its folder's real path + its name. */
export async function canonicalPath(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch {
    try {
      return join(await realpath(dirname(absolute)), basename(absolute));
    } catch {
      return absolute;
    }
  }
}

/** True when writing `output` would replace `input`. */
export async function isSameFile(input: string, output: string): Promise<boolean> {
  if (resolve(input) === resolve(output)) return true;
  // Nothing exists at `output` (not even through a link): writing it creates a new file, which
  // cannot be the input. One round trip instead of four for every document of a batch.
  if (!(await stat(output).then(() => true, (error: NodeJS.ErrnoException) => error.code !== 'ENOENT'))) return false;
  const [a, b] = await Promise.all([canonicalPath(input), canonicalPath(output)]);
  if (a === b) return true;
  const [sa, sb] = await Promise.all([stat(a).catch(() => null), stat(b).catch(() => null)]);
  return sa !== null && sb !== null && sa.dev === sb.dev && sa.ino === sb.ino;
}

/** Refuses an output that is the input (also through a symbolic link or a hard link). */
export async function refuseInputAsOutput(input: string, output: string): Promise<void> {
  if (await isSameFile(input, output)) {
    throw new AppError('output-is-input', msg('error.app.output-is-input', { name: basename(input) }));
  }
}
