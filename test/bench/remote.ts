// npm run bench -- remote (issue 12): BENCH_REMOTE_BATCH (default 100) one-page PDFs signed by ONE
// `paraphe sign ... --out-dir` process with a credential of the local CSC server (test/fixtures/
// csc-server.ts, in this process: client credentials, a PIN from the environment, an online OTP
// for each authorization printed by --otp-command, multisign BENCH_REMOTE_MULTISIGN, default 10),
// beside the same batch with the same RSA-2048 key in software (--p12): the difference is the
// remote overhead per document; the HTTP calls of one batch are counted by the server. The two
// batches alternate (one untimed warm-up pair, then BENCH_REMOTE_ROUNDS rounds, default 3; median
// wall time). The child runs asynchronously (the server answers from this event loop); each batch
// is checked (every output written, one through `qpdf --check`). Nothing is a PASS/MISS target:
// the issue asks for the figures.
import { X509Certificate } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { startCscServer } from '../fixtures/csc-server';
import { createTestPki, listenLocal, missingTools, run } from '../fixtures/pki';
import { envNumber, median, ms } from './common';
import type { BenchInputs } from './common';

export interface RemoteBenchContext {
  dir: string;
  root: string;
  inputs: BenchInputs;
}


export async function benchRemote(context: RemoteBenchContext): Promise<void> {
  const { dir, root, inputs } = context;
  const missing = missingTools('openssl', 'qpdf');
  if (missing.length > 0) {
    console.log(`\nSKIPPED remote bench: not installed: ${missing.join(', ')}`);
    return;
  }
  const batchSize = Math.round(envNumber('BENCH_REMOTE_BATCH', 100));
  const multisign = Math.round(envNumber('BENCH_REMOTE_MULTISIGN', 10));
  const rounds = Math.round(envNumber('BENCH_REMOTE_ROUNDS', 3));
  const cli = join(root, 'main/bin/paraphe.cjs');
  const work = join(dir, 'remote');
  const batchIn = join(work, 'in');
  const batchOut = join(work, 'out');
  await mkdir(join(work, 'pki'), { recursive: true });
  await mkdir(batchIn, { recursive: true });
  const pki = await createTestPki(join(work, 'pki'), { ocspPort: 9, httpPort: 9 });
  const der = new Uint8Array(await readFile(pki.signer.certDer));
  const caChain = (await readFile(pki.chain.caChainPem, 'utf8')).split(/(?=-----BEGIN CERTIFICATE-----)/).filter((p) => p.includes('BEGIN')).map((p) => new Uint8Array(new X509Certificate(p).raw));
  const server = await startCscServer({
    clients: [{ id: 'bench', secret: 'bench-secret-0001' }],
    credentials: [{ id: 'bench-key', keyPem: await readFile(pki.signer.keyPem, 'utf8'), chain: [der, ...caChain], authMode: 'explicit', scal: '1', multisign, pin: { value: '135790' }, otp: { type: 'online' } }],
  });
  const desk = await listenLocal(createServer((_req, res) => res.end(server.sentOtps.at(-1)?.otp ?? '')));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, PARAPHE_USER_DATA_DIR: join(work, 'data'), P12_PASSWORD: pki.password, BENCH_SECRET: 'bench-secret-0001', BENCH_PIN: '135790', LANG: 'C', LC_ALL: '' };
    const added = await run(process.execPath, [cli, 'remote', 'add', 'bench', '--csc-url', server.url, '--client-id', 'bench', '--client-secret-env', 'BENCH_SECRET', '--grant', 'client_credentials'], { env });
    if (added.code !== 0) throw new Error(`remote bench: remote add failed: ${added.stderr.toString()}`);
    const onePage = await inputs.manyPages(1);
    const names: string[] = [];
    for (let i = 1; i <= batchSize; i += 1) {
      const name = `doc-${String(i).padStart(4, '0')}.pdf`;
      await copyFile(onePage, join(batchIn, name));
      names.push(name);
    }
    const files = names.map((n) => join(batchIn, n));
    const otpCommand = `${JSON.stringify(process.execPath)} -e "fetch('http://127.0.0.1:${desk.port}/').then((r) => r.text()).then((t) => process.stdout.write(t))"`;
    const kinds = {
      remote: { label: `CSC credential (local server, multisign ${multisign}, PIN + online OTP per authorization)`, args: ['--remote', 'bench', '--pin-env', 'BENCH_PIN', '--otp-command', otpCommand] },
      software: { label: 'software key (PKCS#12, the same RSA 2048 key)', args: ['--p12', pki.p12.signer, '--password-env', 'P12_PASSWORD'] },
    } as const;
    type Kind = keyof typeof kinds;
    const calls: number[] = [];
    const batch = async (kind: Kind): Promise<number> => {
      await rm(batchOut, { recursive: true, force: true });
      const before = server.calls.length;
      const started = process.hrtime.bigint();
      const result = await run(process.execPath, [cli, 'sign', ...files, '--out-dir', batchOut, ...kinds[kind].args], { env, timeoutMs: 600_000, allowFailure: true });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (result.code !== 0) throw new Error(`remote bench: the ${kind} batch failed: ${result.stderr.toString().slice(-500)}`);
      const written = (await readdir(batchOut)).filter((f) => f.endsWith('.pdf')).length;
      if (written !== batchSize) throw new Error(`remote bench: the ${kind} batch wrote ${written} PDFs, expected ${batchSize}`);
      const checked = await run('qpdf', ['--check', join(batchOut, names[names.length - 1] ?? '')], { allowFailure: true });
      if (checked.code !== 0) throw new Error(`remote bench: qpdf --check rejects an output of the ${kind} batch`);
      if (kind === 'remote') calls.push(server.calls.length - before);
      return seconds;
    };
    await batch('remote');
    await batch('software');
    const times: Record<Kind, number[]> = { remote: [], software: [] };
    for (let round = 0; round < rounds; round += 1) {
      times.remote.push(await batch('remote'));
      times.software.push(await batch('software'));
    }
    const remote = median(times.remote);
    const software = median(times.software);
    const perCall = median(calls);
    console.log(`\n## remote signing: ${batchSize} one-page PDFs, one \`paraphe sign --out-dir\` process (B-B; median of ${rounds} alternating rounds)\n`);
    console.log('| key | wall time | rate | / software time |');
    console.log('| --- | --- | --- | --- |');
    for (const [kind, seconds] of [['remote', remote], ['software', software]] as const) {
      console.log(`| ${kinds[kind].label} | ${ms(seconds)} | ${(batchSize / seconds).toFixed(0)} docs/s | ${(seconds / software).toFixed(2)} |`);
    }
    const authorizations = Math.ceil(batchSize / multisign);
    console.log(`\nRemote overhead: ${(((remote - software) / batchSize) * 1000).toFixed(1)} ms a document; HTTP calls of one batch: ${perCall} (${authorizations} authorizations of at most ${multisign}, each with sendOTP and signHash, plus the token, info, list and credential info), ${(perCall / batchSize).toFixed(2)} a document.`);
  } finally {
    await desk.close();
    await server.close();
    await rm(work, { recursive: true, force: true });
  }
}
