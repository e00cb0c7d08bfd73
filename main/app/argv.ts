// PDF paths handed to the app on its command line: `paraphe file.pdf`, "Open with" on Windows and
// Linux, a second instance forwarding its arguments. No electron import, so it is unit-tested.
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ArgvOptions {
  /**
   * True when started as `electron <app path> ...` (Electron's `process.defaultApp`): argv[1] is
   * the app (a folder or script), not a document.
   */
  defaultApp?: boolean;
}

const PDF = /\.pdf$/i;

/**
 * The PDF files named on a command line, as absolute paths, in order, without duplicates.
 * Skips the executable, the app path under `electron .`, and Electron/Chromium switches
 * (`--foo`, `--foo=bar`; Chromium switches never take a separate value). Keeps arguments that end
 * in `.pdf` (any case) and `file://` URLs of such files; relative paths resolve against `cwd`.
 * Existence is not checked here: a missing file is reported by the open itself ("x.pdf cannot be
 * found"), which tells the user more than silently dropping it would.
 */
export function pdfPathsFromArgv(argv: readonly string[], cwd: string, options: ArgvOptions = {}): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let switches = true;
  const first = options.defaultApp ? 2 : 1;
  for (const arg of argv.slice(first)) {
    if (switches && arg === '--') {
      // Chromium's end of switches: what follows is positional even if it starts with '-'.
      switches = false;
      continue;
    }
    if (switches && arg.startsWith('-')) continue;
    const path = pdfPathFromArg(arg, cwd);
    if (path === null || seen.has(path)) continue;
    seen.add(path);
    out.push(path);
  }
  return out;
}

/** One argument as an absolute PDF path, or null (not a PDF, a remote or malformed URL, empty). */
export function pdfPathFromArg(arg: string, cwd: string): string | null {
  if (arg.length === 0 || arg.includes('\0')) return null;
  let candidate = arg;
  if (/^file:/i.test(arg)) {
    try {
      candidate = fileURLToPath(arg);
    } catch {
      return null; // a remote host (file://server/x.pdf) or a malformed URL
    }
  } else if (/^[a-z][a-z0-9+.-]+:\/\//i.test(arg)) {
    return null; // http(s) and other URLs: Paraphe opens local files only
  }
  if (!PDF.test(candidate)) return null;
  return isAbsolute(candidate) ? resolve(candidate) : resolve(cwd, candidate);
}
