// `paraphe tokens [--module PATH]... [--json]`: the PKCS#11 modules found (or given), the tokens
// they see, and the signing certificates on them with the key id to pass to `sign --key`.
// Nothing here logs in: certificates are public on tokens; no PIN is asked.
import type { TokenScan, TokenService } from '../services/tokens';
import type { TokensCommand } from './args';
import type { Output } from './info';
import { format } from '../../preload/contract/messages';

function flagWords(flags: TokenScan['tokens'][number]['flags']): string[] {
  const words: string[] = [];
  if (flags.loginRequired) words.push('PIN required');
  if (flags.protectedAuthPath) words.push('PIN pad');
  if (flags.userPinLocked) words.push('PIN LOCKED');
  else if (flags.userPinFinalTry) words.push('PIN: last try');
  else if (flags.userPinCountLow) words.push('PIN: few tries left');
  if (!flags.userPinInitialized) words.push('no user PIN set');
  return words;
}

export function describeScan(scan: TokenScan): string {
  const lines: string[] = [];
  if (scan.modules.length === 0) {
    lines.push('No PKCS#11 module found. Install your token\'s software (SafeNet Authentication Client, OpenSC...) or give its library with --module PATH.');
  }
  for (const m of scan.modules) {
    if (!m.loaded) {
      lines.push(`module ${m.path} (${m.name}): cannot be loaded: ${m.error ?? 'unknown reason'}`);
      continue;
    }
    lines.push(`module ${m.path} (${[m.description, m.version].filter(Boolean).join(' ') || m.name})`);
    const tokens = scan.tokens.filter((t) => t.modulePath === m.path);
    if (tokens.length === 0) lines.push('  no token');
    for (const t of tokens) {
      const flags = flagWords(t.flags);
      lines.push(`  token '${t.label}' (${[t.manufacturer, t.model].filter(Boolean).join(' ')}, serial ${t.serial})${flags.length ? ` [${flags.join(', ')}]` : ''}`);
      if (t.certificates.length === 0) lines.push('    no signing certificate');
      for (const c of t.certificates) {
        const status = c.unusable ? ` — cannot sign: ${c.unusable}` : '';
        lines.push(`    key ${c.keyId || '(no id)'}  ${c.name} — issued by ${c.issuer}, expires ${c.notAfter.slice(0, 10)}${c.label && c.label !== c.name ? ` (label '${c.label}')` : ''}${status}`);
      }
      for (const note of t.notes) lines.push(`    note: ${note}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Exit 0, or 1 when a module the user gave (--module, settings) cannot be loaded. */
export async function runTokens(command: Pick<TokensCommand, 'json'>, io: Output, tokens: TokenService): Promise<number> {
  try {
    const scan = await tokens.scan();
    // --json keeps its fields: the catalog form of a reason is the app's, `unusable` says it in English.
    io.out(command.json ? `${JSON.stringify(scan, (key: string, value: unknown) => (key === 'unusableMessage' || key === 'noteMessages' ? undefined : value), 2)}\n` : describeScan(scan));
    const failed = scan.modules.filter((m) => m.source === 'user' && !m.loaded);
    for (const m of failed) io.err(`paraphe: ${format(io.locale ?? 'en', 'cli.module-unloadable', { path: m.path, known: m.error === null ? 'no' : 'yes', reason: m.error ?? '' })}\n`);
    return failed.length > 0 ? 1 : 0;
  } finally {
    await tokens.close();
  }
}
