// npm run bench -- verify: `paraphe verify` on a signed 1 MB and ~200 MB PDF and on a document with
// 10 sequential signatures, beside poppler's `pdfsig` verifying the same files (signature checks
// only, -nocert) and sha256sum as the floor; memory must not grow with file size.
import { spawnSync } from 'node:child_process';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestPki, freePort } from '../fixtures/pki';
import type { BenchInputs } from './common';
import { mb, repeat } from './common';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function sign(cli: string, input: string, output: string, p12: string): void {
  const result = spawnSync(process.execPath, [cli, 'sign', input, '-o', output, '--p12', p12, '--password-env', 'PW'], { env: { ...process.env, PW: 'test-password' }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`signing ${input} failed: ${result.stderr}`);
}

export async function benchVerify({ dir, root, inputs }: { dir: string; root: string; inputs: BenchInputs }): Promise<void> {
  const cli = join(root, 'main/bin/paraphe.cjs');
  const pkiDir = join(dir, 'verify-pki');
  await mkdir(pkiDir, { recursive: true });
  const pki = await createTestPki(pkiDir, { ocspPort: await freePort(), httpPort: await freePort() });
  const files: [string, string][] = [];
  for (const [label, pages] of [['1 MB', 2], ['200 MB', 400]] as const) {
    const out = join(dir, `verify-${pages}p.pdf`);
    sign(cli, await inputs.largePdf(pages), out, pki.p12.signer);
    files.push([label, out]);
  }
  let chain = await inputs.manyPages(1);
  for (let i = 1; i <= 10; i += 1) {
    const out = join(dir, `verify-seq-${i}.pdf`);
    sign(cli, chain, out, i % 2 === 0 ? pki.p12.ecSigner : pki.p12.signer);
    chain = out;
    if (i === 1) files.push(['1 signature', out]);
  }
  files.push(['10 sequential signatures', chain]);

  console.log(`\n## paraphe verify vs pdfsig (median of ${RUNS} runs; peak RSS)\n`);
  console.log('| file | size | paraphe verify | RSS | pdfsig -nocert | RSS | sha256sum | paraphe/pdfsig |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  const rss: number[] = [];
  for (const [label, file] of files) {
    const ours = repeat(process.execPath, [cli, 'verify', file, '--trust', pki.root.certPem, '--no-system-trust', '--json'], RUNS);
    const peer = repeat('pdfsig', ['-nocert', '-no-ocsp', file], RUNS);
    const floor = repeat('sha256sum', [file], RUNS);
    rss.push(ours.rssKb);
    console.log(`| ${label} | ${mb((await stat(file)).size)} | ${(ours.seconds * 1000).toFixed(0)} ms | ${(ours.rssKb / 1024).toFixed(0)} MB | ${(peer.seconds * 1000).toFixed(0)} ms | ${(peer.rssKb / 1024).toFixed(0)} MB | ${(floor.seconds * 1000).toFixed(0)} ms | ${(ours.seconds / peer.seconds).toFixed(2)} |`);
  }
  const growth = ((rss[1] ?? 0) - (rss[0] ?? 0)) / 1024;
  console.log(`\n- ${Math.abs(growth) <= 10 ? 'PASS' : 'MISS'} memory does not grow with file size: 1 MB -> 200 MB peak RSS ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB`);
}
