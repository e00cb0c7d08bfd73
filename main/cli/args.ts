// Argument parsing of the `paraphe` command line (node:util parseArgs, no dependency).
// Parsing only: it returns what to do or throws UsageError; it never prints or exits.
import { parseArgs } from 'node:util';

export type Command =
  | { readonly kind: 'help'; readonly topic: string | null }
  | { readonly kind: 'version' }
  | { readonly kind: 'info'; readonly files: readonly string[]; readonly json: boolean };

/** Wrong arguments: exit code 2, one line on stderr, a hint to --help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** The command whose usage to point at, if any. */
    readonly command: string | null = null,
  ) {
    super(message);
  }
}

export const COMMANDS = ['info', 'help'] as const;

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

/** The known command closest to `word`, if it is a plausible typo. */
export function suggestCommand(word: string): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const command of COMMANDS) {
    const d = distance(word.toLowerCase(), command);
    if (d < bestDistance) {
      best = command;
      bestDistance = d;
    }
  }
  return bestDistance <= 2 ? best : null;
}

interface OptionSpec {
  readonly [name: string]: { readonly type: 'boolean'; readonly short?: string };
}

/** Parses a command's own arguments strictly, with messages of our own. */
function parseCommand(command: string, args: readonly string[], options: OptionSpec): { values: Record<string, boolean>; positionals: string[] } {
  const { tokens } = parseArgs({ args: [...args], options, allowPositionals: true, strict: false, tokens: true });
  const values: Record<string, boolean> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    else if (token.kind === 'option') {
      if (!(token.name in options)) throw new UsageError(`unknown option '${token.rawName}' for '${command}'`, command);
      if (token.inlineValue) throw new UsageError(`option '${token.rawName}' takes no value`, command);
      values[token.name] = true;
    }
  }
  return { values, positionals };
}

export function parseCommandLine(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('no command given');
  if (first === '--help' || first === '-h') return { kind: 'help', topic: null };
  if (first === '--version' || first === '-V') return { kind: 'version' };
  if (first.startsWith('-')) throw new UsageError(`unknown option '${first}'`);
  switch (first) {
    case 'help': {
      const topic = rest[0] ?? null;
      if (topic !== null && !(COMMANDS as readonly string[]).includes(topic)) throw unknownCommand(topic);
      return { kind: 'help', topic };
    }
    case 'info': {
      const { values, positionals } = parseCommand('info', rest, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
      if (values.help) return { kind: 'help', topic: 'info' };
      if (positionals.length === 0) throw new UsageError('info needs at least one PDF file', 'info');
      return { kind: 'info', files: positionals, json: values.json === true };
    }
    default:
      throw unknownCommand(first);
  }
}

function unknownCommand(word: string): UsageError {
  const suggestion = suggestCommand(word);
  return new UsageError(`unknown command '${word}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`);
}
