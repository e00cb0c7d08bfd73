// Argument parsing of the `paraphe` command line (node:util parseArgs, no dependency).
// Parsing only: it returns what to do or throws UsageError; it never prints or exits.
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { CERTIFY_MODES, cscServiceRoot, DOC_MDP_PERMISSION, PADES_LEVELS, REMOTE_GRANTS } from '../../preload/contract/domain';
import { IdentityId } from '../../preload/contract/schemas/identities';
import { DTM_REGIONS, isDtmRegion } from '../remote/csc/dtm';
import type { DocMdpPermission, PadesLevel } from '../../preload/contract/domain';
import type { HashAlgorithm } from '../signers/signer';
import { format } from '../../preload/contract/messages';
import type { Message, MessageLocale } from '../../preload/contract/messages';
import { msg } from '../errors';

export type Command =
  | RemoteCommand
  | { readonly kind: 'help'; readonly topic: string | null }
  | { readonly kind: 'version' }
  /** `pdfPasswordEnv`: the variable holding the password of encrypted files (--pdf-password-env). */
  | { readonly kind: 'info'; readonly files: readonly string[]; readonly json: boolean; readonly pdfPasswordEnv: string | null }
  | SignCommand
  | VerifyCommand
  | TokensCommand;

/** `paraphe tokens`, parsed. */
/** `paraphe remote add|list|login|logout|credentials` (remote signing accounts). */
export type RemoteCommand =
  | {
      readonly kind: 'remote';
      readonly action: 'add';
      readonly name: string;
      readonly url: string | null;
      readonly dtm: { readonly environment: 'demo' | 'production'; readonly region: string } | null;
      readonly clientId: string;
      readonly clientSecretEnv: string | null;
      readonly grant: 'code' | 'client_credentials' | 'basic';
      readonly user: string | null;
      readonly passwordEnv: string | null;
    }
  | { readonly kind: 'remote'; readonly action: 'list'; readonly json: boolean }
  | { readonly kind: 'remote'; readonly action: 'login' | 'logout'; readonly name: string }
  | { readonly kind: 'remote'; readonly action: 'credentials'; readonly name: string; readonly json: boolean };

export interface TokensCommand {
  readonly kind: 'tokens';
  /** PKCS#11 modules given with --module, beside the ones found in the usual places. */
  readonly modules: readonly string[];
  readonly json: boolean;
}

/** A key on a PKCS#11 token: which modules to look in, and how to choose among what they hold. */
export interface Pkcs11Identity {
  readonly kind: 'pkcs11';
  readonly modules: readonly string[];
  /** Token label; null: any token. */
  readonly token: string | null;
  /** CKA_ID in hex or CKA_LABEL; null: the only usable key. */
  readonly key: string | null;
  /** The environment variable holding the PIN; null: ask on the terminal (or the PIN pad). */
  readonly pinEnv: string | null;
}

/** `paraphe verify`, parsed. */
export interface VerifyCommand {
  readonly kind: 'verify';
  readonly files: readonly string[];
  readonly trust: readonly string[];
  readonly systemTrust: boolean;
  readonly online: boolean;
  readonly json: boolean;
  /** The environment variable holding the password of encrypted files (--pdf-password-env). */
  readonly pdfPasswordEnv: string | null;
}

/** `paraphe sign`, parsed and checked (not yet touching any file). */
export interface SignCommand {
  readonly kind: 'sign';
  readonly inputs: readonly string[];
  readonly output: { readonly file: string } | { readonly dir: string };
  readonly identity:
    | { readonly kind: 'p12'; readonly file: string; readonly passwordEnv: string | null }
    | { readonly kind: 'self-signed' }
    | Pkcs11Identity
    /** Any identity the app lists (every provider's), by its id; a secret it needs comes from --secret-env or the terminal. */
    | { readonly kind: 'id'; readonly id: string; readonly secretEnv: string | null; readonly otpCommand: string | null }
    /** A credential of a remote signing account (CSC): --remote NAME [--credential ID] [--pin-env VAR] [--otp-command CMD]. */
    | { readonly kind: 'remote'; readonly account: string; readonly credential: string | null; readonly pinEnv: string | null; readonly otpCommand: string | null };
  readonly level: PadesLevel;
  readonly tsa: string | null;
  /** Issuer certificates to add to the signature's chain (PEM, DER or .p7b files). */
  readonly chain: readonly string[];
  readonly hash: HashAlgorithm;
  readonly field: string | null;
  readonly visible: { readonly page: number; readonly rect: [number, number, number, number] } | null;
  readonly image: string | null;
  readonly reason: string | null;
  readonly location: string | null;
  readonly certify: DocMdpPermission | null;
  readonly json: boolean;
  /**
   * The environment variable holding the password of encrypted inputs (--pdf-password-env); null:
   * asked on the terminal for each input that needs one.
   */
  readonly pdfPasswordEnv: string | null;
}

/**
 * Wrong arguments: exit code 2, one line on stderr (in the CLI's language), a hint to --help.
 * `message` is the English sentence; `wordedIn` gives it in another language (an English
 * sentence given as a string, from a call site not converted yet, stays English).
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly text: Message | null;
  constructor(
    text: Message | string,
    /** The command whose usage to point at, if any. */
    readonly command: string | null = null,
  ) {
    super(typeof text === 'string' ? text : format('en', text.key, text.params));
    this.text = typeof text === 'string' ? null : text;
  }

  wordedIn(locale: MessageLocale): string {
    return this.text === null ? this.message : format(locale, this.text.key, this.text.params);
  }
}

/**
 * The global `--lang en|fr` (or `--lang=fr`), wherever it stands before `--`, taken out of the
 * arguments: the language of the CLI's messages. null when not given.
 */
export function extractLang(argv: readonly string[]): { lang: MessageLocale | null; rest: string[] } {
  const rest: string[] = [];
  let lang: MessageLocale | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    let value: string | undefined;
    if (arg === '--lang') {
      value = argv[i + 1];
      i += 1;
      if (value === undefined) throw new UsageError(msg('error.usage.lang-missing'));
    } else if (arg.startsWith('--lang=')) {
      value = arg.slice('--lang='.length);
    } else {
      rest.push(arg);
      continue;
    }
    if (value !== 'en' && value !== 'fr') throw new UsageError(msg('error.usage.lang-invalid', { value }));
    lang = value;
  }
  return { lang, rest };
}

export const COMMANDS = ['info', 'sign', 'verify', 'tokens', 'remote', 'help'] as const;

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

/**
 * A command's own arguments, parsed strictly by parseArgs; its errors become one lower-case
 * UsageError line naming `command` ("unknown option '--jsn' for 'info'").
 */
function strictParse<T extends NonNullable<ParseArgsConfig['options']>>(command: string, args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true } as const);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    if (unknown) throw new UsageError(msg('error.usage.unknown-option-for', { option: unknown[1] ?? '', command }), command);
    const flagValue = /^Option '([^']+)' does not take an argument/.exec(message);
    if (flagValue) throw new UsageError(msg('error.usage.takes-no-value', { option: flagValue[1] ?? '' }), command);
    const missing = /^Option '([^']+)' argument missing/.exec(message);
    if (missing) throw new UsageError(msg('error.usage.value-missing', { option: missing[1] ?? '' }), command);
    throw new UsageError(msg('error.usage.other', { detail: message.charAt(0).toLowerCase() + message.slice(1) }), command);
  }
}

export function parseCommandLine(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError(msg('error.usage.no-command'));
  if (first === '--help' || first === '-h') return { kind: 'help', topic: null };
  if (first === '--version' || first === '-V') return { kind: 'version' };
  if (first.startsWith('-')) throw new UsageError(msg('error.usage.unknown-option', { option: first }));
  switch (first) {
    case 'help': {
      const topic = rest[0] ?? null;
      if (topic !== null && !(COMMANDS as readonly string[]).includes(topic)) throw unknownCommand(topic);
      return { kind: 'help', topic };
    }
    case 'info': {
      const { values, positionals } = strictParse('info', rest, { json: { type: 'boolean' }, 'pdf-password-env': { type: 'string' }, help: { type: 'boolean', short: 'h' } });
      if (values.help) return { kind: 'help', topic: 'info' };
      if (positionals.length === 0) throw new UsageError(msg('error.usage.needs-file', { command: 'info' }), 'info');
      return { kind: 'info', files: positionals, json: values.json === true, pdfPasswordEnv: values['pdf-password-env'] ?? null };
    }
    case 'sign':
      return parseSign(rest);
    case 'verify':
      return parseVerify(rest);
    case 'tokens':
      return parseTokens(rest);
    case 'remote':
      return parseRemote(rest);
    default:
      throw unknownCommand(first);
  }
}

function unknownCommand(word: string): UsageError {
  const suggestion = suggestCommand(word);
  return new UsageError(suggestion ? msg('error.usage.unknown-command-suggest', { word, suggestion }) : msg('error.usage.unknown-command', { word }));
}

const SIGN_OPTIONS = {
  output: { type: 'string', short: 'o' },
  'out-dir': { type: 'string' },
  p12: { type: 'string' },
  'password-env': { type: 'string' },
  'self-signed': { type: 'boolean' },
  pkcs11: { type: 'boolean' },
  identity: { type: 'string' },
  'secret-env': { type: 'string' },
  'otp-command': { type: 'string' },
  module: { type: 'string', multiple: true },
  token: { type: 'string' },
  key: { type: 'string' },
  'pin-env': { type: 'string' },
  remote: { type: 'string' },
  credential: { type: 'string' },
  level: { type: 'string' },
  tsa: { type: 'string' },
  chain: { type: 'string', multiple: true },
  hash: { type: 'string' },
  field: { type: 'string' },
  visible: { type: 'string' },
  image: { type: 'string' },
  reason: { type: 'string' },
  location: { type: 'string' },
  certify: { type: 'string' },
  'pdf-password-env': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HASHES: readonly HashAlgorithm[] = ['sha256', 'sha384', 'sha512'];

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[], command = 'sign'): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(msg('error.usage.one-of', { option, allowed: allowed.join(', '), value }), command);
}

function parseSign(args: readonly string[]): Command | SignCommand {
  const parsed = strictParse('sign', args, SIGN_OPTIONS);
  const v = parsed.values;
  if (v.help) return { kind: 'help', topic: 'sign' };
  const inputs = parsed.positionals;
  if (inputs.length === 0) throw new UsageError(msg('error.usage.needs-file', { command: 'sign' }), 'sign');
  if ((v.output === undefined) === (v['out-dir'] === undefined)) throw new UsageError(msg('error.usage.sign-output'), 'sign');
  if (v.output !== undefined && inputs.length > 1) throw new UsageError(msg('error.usage.sign-one-output'), 'sign');
  const identities = [v.p12 !== undefined, v['self-signed'] === true, v.pkcs11 === true, v.identity !== undefined, v.remote !== undefined].filter(Boolean).length;
  if (identities !== 1) throw new UsageError(msg('error.usage.sign-identity'), 'sign');
  if (v['secret-env'] !== undefined && v.identity === undefined) throw new UsageError(msg('error.usage.goes-with', { option: 'secret-env', other: 'identity' }), 'sign');
  if (v['otp-command'] !== undefined && v.identity === undefined && v.remote === undefined) throw new UsageError(msg('error.usage.goes-with', { option: 'otp-command', other: 'identity' }), 'sign');
  if (v.credential !== undefined && v.remote === undefined) throw new UsageError(msg('error.usage.goes-with', { option: 'credential', other: 'remote' }), 'sign');
  if (v.remote !== undefined && !ACCOUNT_NAME.test(v.remote)) throw new UsageError(msg('error.usage.remote-name', { value: v.remote }), 'sign');
  if (v['otp-command'] !== undefined && v['otp-command'].trim() === '') throw new UsageError(msg('error.usage.otp-command-empty'), 'sign');
  if (v.identity !== undefined && !IdentityId.safeParse(v.identity).success) throw new UsageError(msg('error.usage.identity-id', { value: v.identity }), 'sign');
  if (v['password-env'] !== undefined && v.p12 === undefined) throw new UsageError(msg('error.usage.goes-with', { option: 'password-env', other: 'p12' }), 'sign');
  for (const option of ['module', 'token', 'key', 'pin-env'] as const) {
    if (option === 'pin-env' && v.remote !== undefined) continue;
    if (v[option] !== undefined && v.pkcs11 !== true) throw new UsageError(msg('error.usage.goes-with', { option, other: 'pkcs11' }), 'sign');
  }
  const level = oneOf('level', v.level ?? 'B-B', PADES_LEVELS);
  if (level !== 'B-B' && v.tsa === undefined) throw new UsageError(msg('error.usage.level-needs-tsa', { level }), 'sign');
  if (v.tsa === 'csc' && v.remote === undefined) throw new UsageError(msg('error.usage.goes-with', { option: 'tsa csc', other: 'remote' }), 'sign');
  if (v.tsa !== undefined && v.tsa !== 'csc') {
    let url: URL;
    try {
      url = new URL(v.tsa);
    } catch {
      throw new UsageError(msg('error.usage.tsa-not-url', { value: v.tsa }), 'sign');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(msg('error.usage.tsa-scheme'), 'sign');
  }
  let visible: SignCommand['visible'] = null;
  if (v.visible !== undefined) {
    const parts = v.visible.split(',').map((p) => Number(p.trim()));
    const [page, x1, y1, x2, y2] = parts;
    if (parts.length !== 5 || parts.some((n) => !Number.isFinite(n)) || page === undefined || x1 === undefined || y1 === undefined || x2 === undefined || y2 === undefined) {
      throw new UsageError(msg('error.usage.visible-format'), 'sign');
    }
    if (!Number.isInteger(page) || page < 1) throw new UsageError(msg('error.usage.visible-page'), 'sign');
    if (x2 <= x1 || y2 <= y1) throw new UsageError(msg('error.usage.visible-rect'), 'sign');
    visible = { page, rect: [x1, y1, x2, y2] };
  }
  if (v.image !== undefined && visible === null) throw new UsageError(msg('error.usage.goes-with', { option: 'image', other: 'visible' }), 'sign');
  // oneOf, not a lookup: 'constructor' is a key of every object.
  const certify: DocMdpPermission | null = v.certify !== undefined ? DOC_MDP_PERMISSION[oneOf('certify', v.certify, CERTIFY_MODES)] : null;
  return {
    kind: 'sign',
    inputs,
    output: v.output !== undefined ? { file: v.output } : { dir: v['out-dir'] ?? '' },
    identity:
      v.p12 !== undefined
        ? { kind: 'p12', file: v.p12, passwordEnv: v['password-env'] ?? null }
        : v.pkcs11 === true
          ? { kind: 'pkcs11', modules: v.module ?? [], token: v.token ?? null, key: v.key ?? null, pinEnv: v['pin-env'] ?? null }
          : v.identity !== undefined
            ? { kind: 'id', id: v.identity, secretEnv: v['secret-env'] ?? null, otpCommand: v['otp-command'] ?? null }
            : v.remote !== undefined
              ? { kind: 'remote', account: v.remote, credential: v.credential ?? null, pinEnv: v['pin-env'] ?? null, otpCommand: v['otp-command'] ?? null }
              : { kind: 'self-signed' },
    level,
    tsa: v.tsa ?? null,
    chain: v.chain ?? [],
    hash: oneOf('hash', v.hash ?? 'sha256', HASHES),
    field: v.field ?? null,
    visible,
    image: v.image ?? null,
    reason: v.reason ?? null,
    location: v.location ?? null,
    certify,
    json: v.json === true,
    pdfPasswordEnv: v['pdf-password-env'] ?? null,
  };
}

const VERIFY_OPTIONS = {
  trust: { type: 'string', multiple: true },
  'no-system-trust': { type: 'boolean' },
  online: { type: 'boolean' },
  json: { type: 'boolean' },
  'pdf-password-env': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseVerify(args: readonly string[]): Command {
  const parsed = strictParse('verify', args, VERIFY_OPTIONS);
  const v = parsed.values;
  if (v.help) return { kind: 'help', topic: 'verify' };
  if (parsed.positionals.length === 0) throw new UsageError(msg('error.usage.needs-file', { command: 'verify' }), 'verify');
  return {
    kind: 'verify',
    files: parsed.positionals,
    trust: v.trust ?? [],
    systemTrust: v['no-system-trust'] !== true,
    online: v.online === true,
    json: v.json === true,
    pdfPasswordEnv: v['pdf-password-env'] ?? null,
  };
}

const TOKENS_OPTIONS = {
  module: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseTokens(args: readonly string[]): Command {
  const parsed = strictParse('tokens', args, TOKENS_OPTIONS);
  const v = parsed.values;
  if (v.help) return { kind: 'help', topic: 'tokens' };
  if (parsed.positionals.length > 0) throw new UsageError(msg('error.usage.tokens-no-file', { value: parsed.positionals[0] ?? '' }), 'tokens');
  return { kind: 'tokens', modules: v.module ?? [], json: v.json === true };
}

/** A remote account's name: what settings accept (RemoteAccount.name). */
const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

const REMOTE_OPTIONS = {
  'csc-url': { type: 'string' },
  dtm: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret-env': { type: 'string' },
  grant: { type: 'string' },
  user: { type: 'string' },
  'password-env': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const REMOTE_ACTIONS = ['add', 'list', 'login', 'logout', 'credentials'] as const;

function parseRemote(args: readonly string[]): Command | RemoteCommand {
  const parsed = strictParse('remote', args, REMOTE_OPTIONS);
  const v = parsed.values;
  if (v.help) return { kind: 'help', topic: 'remote' };
  const [actionWord, name, ...extra] = parsed.positionals;
  if (actionWord === undefined) throw new UsageError(msg('error.usage.remote-no-action', { allowed: REMOTE_ACTIONS.join(', ') }), 'remote');
  if (!(REMOTE_ACTIONS as readonly string[]).includes(actionWord)) throw new UsageError(msg('error.usage.remote-action', { value: actionWord, allowed: REMOTE_ACTIONS.join(', ') }), 'remote');
  const action = actionWord as (typeof REMOTE_ACTIONS)[number];
  if (extra.length > 0) throw new UsageError(msg('error.usage.unexpected-argument', { value: extra[0] ?? '' }), 'remote');
  const only = (allowed: readonly string[]) => {
    for (const key of Object.keys(v)) {
      if (key !== 'help' && !allowed.includes(key)) throw new UsageError(msg('error.usage.remote-option', { option: key, action }), 'remote');
    }
  };
  if (action === 'list') {
    only(['json']);
    if (name !== undefined) throw new UsageError(msg('error.usage.unexpected-argument', { value: name }), 'remote');
    return { kind: 'remote', action, json: v.json === true };
  }
  if (name === undefined) throw new UsageError(msg('error.usage.remote-needs-name', { action }), 'remote');
  if (!ACCOUNT_NAME.test(name)) throw new UsageError(msg('error.usage.remote-name', { value: name }), 'remote');
  if (action === 'login' || action === 'logout') {
    only([]);
    return { kind: 'remote', action, name };
  }
  if (action === 'credentials') {
    only(['json']);
    return { kind: 'remote', action, name, json: v.json === true };
  }
  only(['csc-url', 'dtm', 'client-id', 'client-secret-env', 'grant', 'user', 'password-env']);
  if ((v['csc-url'] === undefined) === (v.dtm === undefined)) throw new UsageError(msg('error.usage.remote-where'), 'remote');
  let url: string | null = null;
  if (v['csc-url'] !== undefined) {
    url = cscServiceRoot(v['csc-url']);
    if (url === null) throw new UsageError(msg('error.usage.remote-url', { value: v['csc-url'] }), 'remote');
  }
  let dtm: { environment: 'demo' | 'production'; region: string } | null = null;
  if (v.dtm !== undefined) {
    // demo, demo/REGION or production/REGION (REGION: one of DigiCert ONE's, DTM_REGIONS).
    const [environment, region, ...more] = v.dtm.split('/');
    const chosen = region ?? (environment === 'demo' ? 'us' : '');
    if ((environment !== 'demo' && environment !== 'production') || more.length > 0 || !isDtmRegion(chosen)) {
      throw new UsageError(msg('error.usage.remote-dtm', { value: v.dtm, regions: Object.keys(DTM_REGIONS).join(', ') }), 'remote');
    }
    dtm = { environment, region: chosen };
  }
  if (v['client-id'] === undefined || v['client-id'] === '') throw new UsageError(msg('error.usage.remote-client-id'), 'remote');
  const grant = oneOf('grant', v.grant ?? 'code', REMOTE_GRANTS, 'remote');
  for (const [option, value] of [['client-secret-env', v['client-secret-env']], ['password-env', v['password-env']]] as const) {
    if (value !== undefined && !ENV_NAME.test(value)) throw new UsageError(msg('error.usage.remote-env-name', { option, value }), 'remote');
  }
  if (grant === 'client_credentials' && v['client-secret-env'] === undefined) throw new UsageError(msg('error.usage.remote-grant-needs', { grant, option: 'client-secret-env' }), 'remote');
  if (grant === 'basic' && (v.user === undefined || v['password-env'] === undefined)) throw new UsageError(msg('error.usage.remote-grant-needs', { grant, option: 'user, --password-env' }), 'remote');
  if (grant !== 'basic' && (v.user !== undefined || v['password-env'] !== undefined)) throw new UsageError(msg('error.usage.goes-with', { option: v.user !== undefined ? 'user' : 'password-env', other: 'grant basic' }), 'remote');
  return {
    kind: 'remote',
    action: 'add',
    name,
    url,
    dtm,
    clientId: v['client-id'],
    clientSecretEnv: v['client-secret-env'] ?? null,
    grant,
    user: v.user ?? null,
    passwordEnv: v['password-env'] ?? null,
  };
}
