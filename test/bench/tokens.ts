// npm run bench -- tokens (issue 5): documents per second for a batch of BENCH_TOKEN_BATCH (default
// 200) one-page PDFs signed by ONE `paraphe sign ... --out-dir` process with the key on a SoftHSM2
// token (`--pkcs11 --token 'Paraphe A' --key 01`), beside the same batch with the same RSA-2048 key
// in software (`--p12`, the test PKI's signer): the ratio isolates the token. The two batches
// alternate (A/B, one untimed warm-up pair, then BENCH_TOKEN_ROUNDS rounds, default 3; median wall
// time, highest peak RSS). After every batch the output count is checked and one output goes through
// `qpdf --check`: a wrong count or a broken file stops the bench. The token's C_Login count is not
// observable from a separate process and is not reported (test/integration/tokens-cli.test.ts
// counts it in process). Target printed as PASS/MISS; the bench never fails on a MISS.
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createTestPki, missingTools } from '../fixtures/pki';
import { createSoftHsm, findSoftHsmModule, provisionTestTokens } from '../fixtures/softhsm';
import type { SoftHsm } from '../fixtures/softhsm';
import { envNumber, measure, median, ms } from './common';
import type { BenchInputs, Measurement } from './common';

export interface TokensBenchContext {
  /** Scratch folder (removed by the caller). */
  dir: string;
  /** The repository root (main/bin/paraphe.cjs). */
  root: string;
  inputs: BenchInputs;
}

const rss = (kb: number): string => `${(kb / 1024).toFixed(0)} MB`;
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');

export async function benchTokens(context: TokensBenchContext): Promise<void> {
  const { dir, root, inputs } = context;
  const missing = missingTools('openssl', 'softhsm2-util', 'pkcs11-tool', 'qpdf');
  const module = await findSoftHsmModule();
  const reason = missing.length > 0 ? `not installed: ${missing.join(', ')}` : module === undefined ? 'libsofthsm2.so not found' : undefined;
  if (reason) {
    console.log(`\nSKIPPED tokens bench: ${reason}`);
    return;
  }
  const rounds = Math.round(envNumber('BENCH_TOKEN_ROUNDS', 3));
  const batchSize = Math.round(envNumber('BENCH_TOKEN_BATCH', 200));
  const cli = join(root, 'main/bin/paraphe.cjs');
  const work = join(dir, 'tokens');
  const pkiDir = join(work, 'pki');
  const dataDir = join(work, 'data');
  const batchIn = join(work, 'batch-in');
  const batchOut = join(work, 'batch-out');
  await Promise.all([mkdir(pkiDir, { recursive: true }), mkdir(dataDir, { recursive: true }), mkdir(batchIn, { recursive: true })]);

  let hsm: SoftHsm | undefined;
  try {
    const pki = await createTestPki(pkiDir, { ocspPort: 9, httpPort: 9 }); // no server: B-B only
    hsm = await createSoftHsm();
    const tokens = await provisionTestTokens(hsm, pki);
    // Settings of a fresh user (no module added in the app); both PINs/passwords from the environment.
    const env: NodeJS.ProcessEnv = { ...hsm.env, PARAPHE_USER_DATA_DIR: dataDir, PIN: tokens.a.pin, P12_PASSWORD: pki.password };

    const onePage = await inputs.manyPages(1);
    const names: string[] = [];
    for (let i = 1; i <= batchSize; i += 1) {
      const name = `doc-${String(i).padStart(4, '0')}.pdf`;
      await copyFile(onePage, join(batchIn, name));
      names.push(name);
    }
    const batchFiles = names.map((n) => join(batchIn, n));

    const kinds = {
      token: {
        label: `SoftHSM2 token ('${tokens.a.label}', key ${tokens.rsa2048.id}, RSA 2048)`,
        args: ['--pkcs11', '--module', hsm.modulePath, '--token', tokens.a.label, '--key', tokens.rsa2048.id, '--pin-env', 'PIN'],
      },
      software: {
        label: 'software key (PKCS#12, the same RSA 2048 key)',
        args: ['--p12', pki.p12.signer, '--password-env', 'P12_PASSWORD'],
      },
    } as const;
    type Kind = keyof typeof kinds;

    /** One batch: timed, then checked (output count, `qpdf --check` on one output); throws when broken. */
    const batch = async (kind: Kind, round: number): Promise<Measurement> => {
      rmSync(batchOut, { recursive: true, force: true });
      const result = measure(process.execPath, [cli, 'sign', ...batchFiles, '--out-dir', batchOut, ...kinds[kind].args], { env, allowFailure: true });
      if ('error' in result) throw new Error(`tokens bench: the ${kind} batch failed: ${result.error}`);
      const written = new Set((await readdir(batchOut)).filter((f) => f.endsWith('.pdf')));
      const absent = names.filter((n) => !written.has(n));
      if (written.size !== batchSize || absent.length > 0) {
        throw new Error(`tokens bench: the ${kind} batch wrote ${written.size} PDFs, expected ${batchSize}${absent.length ? ` (missing e.g. ${absent[0]})` : ''}`);
      }
      const spot = names[(round * 37) % names.length] as string;
      const checked = spawnSync('qpdf', ['--check', join(batchOut, spot)], { encoding: 'utf8' });
      if (checked.status !== 0) {
        throw new Error(`tokens bench: qpdf --check rejects ${spot} of the ${kind} batch (status ${checked.status}): ${(checked.stdout + checked.stderr).trim().slice(-500)}`);
      }
      return result;
    };

    // Warm-up pair (untimed: page cache, module load), then A/B rounds.
    await batch('token', 0);
    await batch('software', 0);
    const times: Record<Kind, Measurement[]> = { token: [], software: [] };
    for (let round = 1; round <= rounds; round += 1) {
      times.token.push(await batch('token', round));
      times.software.push(await batch('software', round));
    }
    rmSync(batchOut, { recursive: true, force: true });

    const summary = (kind: Kind): { seconds: number; rate: number; rssKb: number } => {
      const seconds = median(times[kind].map((m) => m.seconds));
      return { seconds, rate: batchSize / seconds, rssKb: Math.max(...times[kind].map((m) => m.rssKb)) };
    };
    const token = summary('token');
    const software = summary('software');
    const ratio = token.rate / software.rate;

    console.log(`\n## batch on a token: ${batchSize} one-page PDFs, one \`paraphe sign --out-dir\` process (B-B, SHA-256; median of ${rounds} alternating rounds; peak RSS)\n`);
    console.log('| key | wall time | rate | peak RSS | rate / software rate |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const [kind, s] of [['token', token], ['software', software]] as const) {
      console.log(`| ${kinds[kind].label} | ${ms(s.seconds)} | ${s.rate.toFixed(0)} docs/s | ${rss(s.rssKb)} | ${(s.rate / software.rate).toFixed(2)} |`);
    }
    console.log(`\nEvery batch (warm-up included) checked: ${batchSize} outputs written, one of them accepted by \`qpdf --check\`. Rounds (token / software): ${times.token.map((m, i) => `${ms(m.seconds)} / ${ms(times.software[i]?.seconds ?? Number.NaN)}`).join(', ')}.`);
    console.log('C_Login count: not observable from a separate process (counted in process by test/integration/tokens-cli.test.ts).');

    console.log('\n### targets (issue 5)\n');
    console.log(`- ${verdict(ratio >= 0.5)} a batch on a SoftHSM token at half the software-key rate or more (token/software >= 0.5; a bench criterion, not the issue's): ${token.rate.toFixed(0)} vs ${software.rate.toFixed(0)} docs/s = ${ratio.toFixed(2)}`);
  } finally {
    await hsm?.cleanup();
    await rm(work, { recursive: true, force: true });
  }
}
