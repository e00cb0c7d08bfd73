// The `paraphe` command line: the same code as the app, without Electron. Bundled by esbuild into
// dist/cli.cjs and started by main/bin/paraphe.cjs. `main` never throws and never exits: it
// prints and returns the exit code (0 ok, 1 a file could not be read, 2 usage error).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError, parseCommandLine } from './cli/args';
import { runInfo } from './cli/info';
import type { Output } from './cli/info';

/** Defined by the bundler (main/tools/build.mjs); undefined when running the sources under tsx. */
declare const __PARAPHE_VERSION__: string | undefined;

const USAGE = `Usage: paraphe <command> [options]

Commands:
  info FILE.pdf... [--json]  describe PDF files: version, pages, encryption, signatures,
                             revisions, linearization, cross-reference kind
  help [COMMAND]             show this help, or the help of one command

Options:
  -h, --help                 show this help
  -V, --version              print the version of paraphe

Exit codes: 0 success, 1 a file could not be read, 2 wrong arguments.
`;

const INFO_USAGE = `Usage: paraphe info FILE.pdf... [--json]

Describes each PDF file: PDF version, number of pages, encryption, whether it is signed, its
signatures and document timestamps (with the revision each one covers), number of revisions
(the original and each incremental update), linearization, cross-reference kind.
Only the end of the file, its cross-reference data and a few objects are read.

Options:
  --json       print JSON instead of text: one object for one file, an array (one element per
               file, in order) for several. Keys: file, size, pdfVersion, pageCount, encrypted,
               encryption, signed, signatureFields, signatureCount, docTimestampCount,
               revisionCount, linearized, xref, signatures, warnings. In an array, a file that
               cannot be read is {"file", "error": {"code", "message"}}.
  -h, --help   show this help

A file that cannot be read (missing, a directory, empty, not a PDF, truncated, broken
cross-reference table) is reported on stderr as "paraphe: <message>"; the others are still
described, and the exit code is 1.
`;

export function version(): string {
  if (typeof __PARAPHE_VERSION__ === 'string') return __PARAPHE_VERSION__;
  // Running from sources (tsx): the package.json of the checkout this file belongs to.
  for (const start of [process.argv[1], process.cwd()]) {
    for (let dir = start ? resolve(start) : ''; dir && dir !== dirname(dir); dir = dirname(dir)) {
      const candidate = join(dir, 'package.json');
      if (!existsSync(candidate)) continue;
      try {
        const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === 'paraphe' && typeof pkg.version === 'string') return pkg.version;
      } catch {
        // Not readable JSON: keep looking further up.
      }
    }
  }
  return 'unknown';
}

const stdio: Output = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

let pipeGuard = false;

export async function main(argv: string[], io: Output = stdio): Promise<number> {
  if (io === stdio && !pipeGuard) {
    // `paraphe info *.pdf | head`: a closed pipe ends the output quietly, not with a stack trace.
    pipeGuard = true;
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
    });
  }
  try {
    const command = parseCommandLine(argv);
    switch (command.kind) {
      case 'help':
        io.out(command.topic === 'info' ? INFO_USAGE : USAGE);
        return 0;
      case 'version':
        io.out(`${version()}\n`);
        return 0;
      case 'info':
        return await runInfo(command.files, command.json, io);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`paraphe: ${error.message} (see 'paraphe ${error.command ? `${error.command} ` : ''}--help')\n`);
      return 2;
    }
    // A bug: one line, no stack trace (PARAPHE_DEBUG=1 shows it).
    io.err(`paraphe: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.PARAPHE_DEBUG) io.err(`${error instanceof Error ? error.stack : ''}\n`);
    return 70;
  }
}
