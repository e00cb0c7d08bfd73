// `paraphe tokens` and `paraphe sign --pkcs11` on real SoftHSM2 tokens made for this run (two
// tokens: A with RSA-2048, P-256 and odd objects, B with one RSA-3072 identity; certificates issued
// by the test CA). The CLI runs as a process; the 50-document batch runs in process through the
// same runSign and TokenService, so that the token's C_Login count can be read.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runSign } from '../../main/cli/sign';
import { parseCommandLine } from '../../main/cli/args';
import type { SignCommand } from '../../main/cli/args';
import { TokenService } from '../../main/services/tokens';
import { createServices } from '../../main/services';
import type { Signer } from '../../main/signers';
import { makeTestPdfs, qpdfCheck } from '../fixtures/pdfs';
import type { TestPdfs } from '../fixtures/pdfs';
import { startPkiHttpServer } from '../fixtures/http';
import type { PkiHttpServer } from '../fixtures/http';
import { createTestPki, freePort, missingTools, run } from '../fixtures/pki';
import type { TestPki } from '../fixtures/pki';
import { verifyWithPdfsig } from '../fixtures/signed-by-poppler';
import { requireCliBundle, cli, root } from '../fixtures/signing-bed';
import type { SoftHsm, TestTokens } from '../fixtures/softhsm';
import { createSoftHsm, findSoftHsmModule, provisionTestTokens } from '../fixtures/softhsm';

const missing = missingTools('openssl', 'softhsm2-util', 'pkcs11-tool', 'qpdf', 'pdfsig', 'gs');
const moduleFound = await findSoftHsmModule();
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : moduleFound === undefined ? 'libsofthsm2.so not found' : false;
if (skip) console.log(`SKIPPED paraphe tokens / sign --pkcs11 tests: ${skip}`);

interface Result { code: number | null; stdout: string; stderr: string }

describe('paraphe tokens and sign --pkcs11 on SoftHSM2 tokens', { skip, timeout: 300_000 }, () => {
  let dir = '';
  let pki: TestPki;
  let hsm: SoftHsm | undefined;
  let t: TestTokens;
  let pdfs: TestPdfs;
  let env: NodeJS.ProcessEnv;
  let http: PkiHttpServer | undefined;

  const paraphe = async (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Result> => {
    const r = await run(process.execPath, [cli, ...args], { env: { ...env, ...extraEnv }, allowFailure: true, timeoutMs: 120_000 });
    return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
  };
  const mod = (): string[] => ['--module', (hsm as SoftHsm).modulePath];
  const sha = async (file: string): Promise<string> => createHash('sha256').update(await readFile(file)).digest('hex');

  before(async () => {
    if (skip) return;
    requireCliBundle();
    dir = await mkdtemp(join(tmpdir(), 'paraphe-tokens-cli-'));
    await Promise.all([mkdir(join(dir, 'pki')), mkdir(join(dir, 'pdfs')), mkdir(join(dir, 'data'))]);
    const httpPort = await freePort();
    const [made, madePdfs] = await Promise.all([
      createTestPki(join(dir, 'pki'), { ocspPort: await freePort(), httpPort }),
      makeTestPdfs(join(dir, 'pdfs')),
    ]);
    pki = made;
    pdfs = madePdfs;
    hsm = await createSoftHsm();
    t = await provisionTestTokens(hsm, pki);
    // Token C holds the end-entity certificate alone, as many shipped tokens do: the chain comes from AIA.
    const c = await hsm.initToken({ label: 'Paraphe C', pin: '2468', soPin: '24682468' });
    await hsm.importKeyAndCert(c, { keyPem: pki.signer.keyPem, certPem: pki.signer.certPem, id: '0c', label: 'Élodie on C' });
    http = await startPkiHttpServer(pki, httpPort);
    // Settings of a fresh user: no module added in the app.
    // English messages unless a test asks otherwise: not the machine's locale.
    env = { ...hsm.env, PARAPHE_USER_DATA_DIR: join(dir, 'data'), LC_ALL: '', LC_MESSAGES: '', LANG: 'C.UTF-8' };
  });

  after(async () => {
    await http?.stop();
    await hsm?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('tokens: lists the module, both tokens and their signing certificates; a bad module is reported, not hiding the others', async () => {
    const notALibrary = join(dir, 'not-a-library.so');
    await writeFile(notALibrary, 'this is not a shared object\n');
    const r = await paraphe(['tokens', ...mod(), '--module', notALibrary, '--module', join(dir, 'missing.so'), '--json']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /not-a-library\.so cannot be loaded/);
    assert.match(r.stderr, /missing\.so cannot be loaded: .*does not exist/);
    // In French the line is French; the JSON keeps its fields (no catalog form of a reason in it).
    const fr = await paraphe(['--lang', 'fr', 'tokens', ...mod(), '--module', join(dir, 'missing.so'), '--json']);
    assert.match(fr.stderr, /^paraphe: le module .*missing\.so ne peut pas être chargé : /m);
    assert.ok(!fr.stdout.includes('unusableMessage'), 'no internal message objects in --json');
    const scan = JSON.parse(r.stdout) as {
      modules: { path: string; loaded: boolean; manufacturer: string | null }[];
      tokens: { label: string; serial: string; flags: { loginRequired: boolean }; certificates: { keyId: string; name: string; unusable: string | null }[]; notes: string[] }[];
    };
    // Other modules installed on the machine (OpenSC...) are found and listed too.
    const softhsm = scan.modules.find((m) => m.loaded && m.manufacturer === 'SoftHSM');
    assert.ok(softhsm, JSON.stringify(scan.modules));
    assert.deepEqual(scan.modules.filter((m) => !m.loaded).map((m) => m.path.split('/').pop()).sort(), ['missing.so', 'not-a-library.so']);
    const a = scan.tokens.find((x) => x.label === 'Paraphe A');
    const b = scan.tokens.find((x) => x.label === 'Paraphe B');
    assert.ok(a && b, `tokens: ${scan.tokens.map((x) => x.label).join(', ')}`);
    assert.equal(a.flags.loginRequired, true);
    assert.equal(a.serial, t.a.serial);
    assert.deepEqual(b.certificates.map((c) => [c.keyId, c.name]), [['02', 'Trois Mille Soixante-Douze']]);
    const aKeys = a.certificates.map((c) => c.keyId);
    for (const id of ['01', '03']) assert.ok(aKeys.includes(id), `key ${id} listed on A: ${aKeys.join(', ')}`);
    assert.ok(!aKeys.includes('ca01') && !aKeys.includes('ca02'), 'CA certificates are not signing certificates');

    const text = await paraphe(['tokens', ...mod()]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /token 'Paraphe B' \(.*serial [0-9a-f]+\) \[PIN required\]/);
    assert.match(text.stdout, /key 02 {2}Trois Mille Soixante-Douze — issued by Paraphe Test Issuing CA, expires \d{4}-\d\d-\d\d/);
    assert.doesNotMatch(text.stdout + text.stderr, /1234|5678/, 'no PIN is asked or printed');
  });

  it('sign --pkcs11: several certificates → the error lists them, nothing written', async () => {
    const out = join(dir, 'ambiguous.pdf');
    const r = await paraphe(['sign', pdfs.simple, '-o', out, '--pkcs11', ...mod(), '--pin-env', 'PIN'], { PIN: '1234' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Several signing certificates are available; choose one with --token LABEL and --key ID/);
    assert.match(r.stderr, /token 'Paraphe A' key 01 /);
    assert.match(r.stderr, /token 'Paraphe B' key 02 /);
    assert.equal(existsSync(out), false);
  });

  it('sign --pkcs11 --token B: the only certificate there is chosen; RSA-3072 signature valid for pdfsig and qpdf', async () => {
    const out = join(dir, 'token-b.pdf');
    const before = await sha(pdfs.simple);
    const r = await paraphe(['sign', pdfs.simple, '-o', out, '--pkcs11', ...mod(), '--token', 'Paraphe B', '--pin-env', 'PIN', '--json'], { PIN: '5678' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { ok: boolean }).ok, true);
    assert.equal(await sha(pdfs.simple), before, 'the input is never modified');
    await qpdfCheck(out);
    const report = await verifyWithPdfsig(out, { pki });
    assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
    assert.equal(report.signatures[0]?.commonName, 'Trois Mille Soixante-Douze');
  });

  it('sign --pkcs11 --token A --key 03: P-256 on the token (hashed in software, r||s to DER) is valid', async () => {
    const out = join(dir, 'p256.pdf');
    const r = await paraphe(['sign', pdfs.simple, '-o', out, '--pkcs11', ...mod(), '--token', 'Paraphe A', '--key', '03', '--pin-env', 'PIN'], { PIN: '1234' });
    assert.equal(r.code, 0, r.stderr);
    await qpdfCheck(out);
    const report = await verifyWithPdfsig(out, { pki });
    assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
    assert.equal(report.signatures[0]?.commonName, 'Zoë Courbe-Elliptique');
  });

  it('sign --pkcs11 --key 01: the chain read from the token makes pdfsig trust the signer (test root in its NSS database)', async () => {
    // (pdfsig/NSS trusts only the test PKI's email-protection profile, which key 01's certificate has;
    // the RSA-3072 and P-256 certificates use a profile without it and read "Unknown issue" there.)
    const out = join(dir, 'key-01.pdf');
    const r = await paraphe(['sign', pdfs.simple, '-o', out, '--pkcs11', ...mod(), '--token', 'Paraphe A', '--key', '01', '--pin-env', 'PIN'], { PIN: '1234' });
    assert.equal(r.code, 0, r.stderr);
    const report = await verifyWithPdfsig(out, { pki });
    assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
    assert.equal(report.signatures[0]?.certificateValidation, 'Certificate is Trusted.', report.output);
    const verified = await paraphe(['verify', out, '--trust', pki.root.certPem, '--no-system-trust', '--json']);
    assert.equal(verified.code, 0, verified.stdout);
  });

  /** The certificates a signature carries (its CMS SignedData), as subjects. */
  async function embeddedSubjects(file: string): Promise<string[]> {
    const text = (await readFile(file)).toString('latin1');
    const hex = [...text.matchAll(/\/Contents\s*<([0-9a-fA-F]+)>/g)].at(-1)?.[1] ?? '';
    const der = join(dir, `${file.split('/').pop()}.p7s`);
    await writeFile(der, Buffer.from(hex, 'hex'));
    const printed = (await run('openssl', ['pkcs7', '-inform', 'DER', '-in', der, '-print_certs'])).stdout.toString('utf8');
    const pems = printed.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    return pems.map((pem) => /CN=([^\n]+)/.exec(new X509Certificate(pem).subject)?.[1] ?? '?');
  }

  it('a token holding the end-entity certificate alone: the chain is completed from AIA; offline it still signs', async () => {
    const out = join(dir, 'token-c.pdf');
    const r = await paraphe(['sign', pdfs.simple, '-o', out, '--pkcs11', ...mod(), '--token', 'Paraphe C', '--pin-env', 'PIN'], { PIN: '2468' });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await embeddedSubjects(out), ['Élodie Signataire', 'Paraphe Test Issuing CA', 'Paraphe Test Root CA']);
    const report = await verifyWithPdfsig(out, { pki });
    assert.equal(report.signatures[0]?.certificateValidation, 'Certificate is Trusted.', report.output);
    await http?.stop();
    http = undefined;
    const offline = join(dir, 'token-c-offline.pdf');
    const r2 = await paraphe(['sign', pdfs.simple, '-o', offline, '--pkcs11', ...mod(), '--token', 'Paraphe C', '--pin-env', 'PIN'], { PIN: '2468' });
    assert.equal(r2.code, 0, r2.stderr);
    assert.deepEqual(await embeddedSubjects(offline), ['Élodie Signataire'], 'what the token has; validators fetch the rest');
  });

  it('a wrong PIN: says so with what the token tells of the tries left, never shows the PIN, writes nothing', async () => {
    const out = join(dir, 'wrong-pin.pdf');
    const r = await paraphe(['sign', pdfs.simple, '-o', out, '--pkcs11', ...mod(), '--token', 'Paraphe B', '--pin-env', 'PIN'], { PIN: '987123' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /The PIN of Paraphe B is incorrect\. Only a few tries are left before the token locks\./);
    assert.doesNotMatch(r.stdout + r.stderr, /987123/);
    assert.equal(existsSync(out), false);
    assert.deepEqual((await readdir(dir)).filter((f) => f.includes('wrong-pin')), [], 'no temp file either');
    // The right PIN afterwards works (SoftHSM clears the low-count flag).
    const ok = await paraphe(['sign', pdfs.simple, '-o', out, '--pkcs11', ...mod(), '--token', 'Paraphe B', '--pin-env', 'PIN'], { PIN: '5678' });
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('a certificate whose key is not on the token, an unknown token, an unset PIN variable: each says what is wrong', async () => {
    const out = join(dir, 'no-key.pdf');
    const noKey = await paraphe(['sign', pdfs.simple, '-o', out, '--pkcs11', ...mod(), '--token', 'Paraphe A', '--key', t.certOnly.id, '--pin-env', 'PIN'], { PIN: '1234' });
    assert.equal(noKey.code, 1);
    assert.match(noKey.stderr, /holds the certificate of .* but not its private key/);
    const noToken = await paraphe(['sign', pdfs.simple, '-o', out, '--pkcs11', ...mod(), '--token', 'eToken 5110', '--pin-env', 'PIN'], { PIN: '1234' });
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /No token labelled 'eToken 5110' is plugged in \(tokens present: .*'Paraphe A'.*\)/);
    const unset = await paraphe(['sign', pdfs.simple, '-o', out, '--pkcs11', ...mod(), '--pin-env', 'NOT_SET_ANYWHERE']);
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /NOT_SET_ANYWHERE \(--pin-env\) is not set/);
    assert.equal(existsSync(out), false);
  });

  /** runSign in this process, with the CLI's own option parsing and a TokenService we can ask for counters. */
  async function batch(count: number, outDir: string, key: { token: string; key: string; pin: string }, wrap?: (signer: Signer) => Signer, given?: TokenService) {
    const inputs: string[] = [];
    await mkdir(join(outDir, 'in'), { recursive: true });
    const pdf = await readFile(pdfs.simple);
    for (let i = 0; i < count; i++) {
      const input = join(outDir, 'in', `doc-${String(i).padStart(2, '0')}.pdf`);
      await writeFile(input, pdf);
      inputs.push(input);
    }
    const command = parseCommandLine(['sign', ...inputs, '--out-dir', join(outDir, 'out'), '--pkcs11', '--token', key.token, '--key', key.key, '--pin-env', 'PIN', '--json']) as SignCommand;
    const tokens = given ?? new TokenService({ userModules: () => [(hsm as SoftHsm).modulePath] });
    let prompts = 0;
    const out: string[] = [];
    const err: string[] = [];
    // The CLI's services, around a TokenService that counts PIN prompts (and may wrap the signer);
    // it is closed here, after its counters are read.
    const counted = Object.create(tokens) as TokenService;
    counted.signer = async (selection, authorize) => {
      const signer = await tokens.signer(selection, {
        getPin: async (request) => {
          prompts += 1;
          return authorize.getPin(request);
        },
      });
      return (wrap ? wrap(signer) : signer) as Awaited<ReturnType<TokenService['signer']>>;
    };
    counted.close = async () => undefined;
    const code = await runSign(command, { out: (s) => void out.push(s), err: (s) => void err.push(s) }, {
      root,
      env: { PIN: key.pin },
      askSecret: async () => null,
      services: () => createServices({
        userDataDir: join(outDir, 'profile'),
        appRoot: root,
        env: { appName: 'Paraphe', version: 'test', platform: process.platform, systemLocale: 'en-US' },
        dialogs: { chooseDocument: async () => null, chooseCertificateFile: async () => null, chooseModuleFile: async () => null, chooseSavePath: async () => null },
        tokens: counted,
      }),
    });
    const stats = tokens.stats();
    if (!given) await tokens.close();
    return { code, stats, prompts, outcomes: JSON.parse(out.join('')) as { input: string; ok: boolean; output?: string; error?: { code: string } }[], err: err.join('') };
  }

  it('a batch of 50 documents: one PIN prompt, exactly one C_Login, 50 signatures, every output sound', async () => {
    const work = join(dir, 'batch');
    const result = await batch(50, work, { token: 'Paraphe B', key: '02', pin: '5678' });
    assert.equal(result.code, 0, result.err);
    assert.equal(result.prompts, 1);
    assert.equal(result.stats.logins, 1, 'one C_Login for the whole batch');
    assert.equal(result.stats.signatures, 50);
    assert.equal(result.outcomes.filter((o) => o.ok).length, 50);
    for (const o of result.outcomes) await qpdfCheck(o.output as string);
    for (const o of result.outcomes.slice(0, 3)) {
      const report = await verifyWithPdfsig(o.output as string, { pki });
      assert.equal(report.signatures[0]?.signatureValidation, 'Signature is Valid.', report.output);
    }
  });

  it('the key disappears from the token mid-batch: the batch stops, signed files stay, no partial file', async () => {
    const work = join(dir, 'removed');
    let calls = 0;
    const tokens = new TokenService({ userModules: () => [(hsm as SoftHsm).modulePath] });
    after(() => tokens.close());
    const result = await batch(20, work, { token: 'Paraphe A', key: t.p256.id, pin: '1234' }, (signer) => ({
      ...signer,
      sign: async (request) => {
        calls += 1;
        // After the 5th signature another program (pkcs11-tool) deletes the key, as pulling the token would take it away.
        if (calls === 6) await (hsm as SoftHsm).deleteObject(t.a, { type: 'privkey', id: t.p256.id });
        return signer.sign(request);
      },
      close: () => signer.close(),
    }), tokens);
    assert.equal(result.code, 1);
    const signed = result.outcomes.filter((o) => o.ok);
    const stopped = result.outcomes.filter((o) => o.error?.code === 'batch-stopped');
    assert.ok(signed.length >= 5 && signed.length < 20, `signed before the key went: ${signed.length}`);
    assert.ok(stopped.length > 0, `later documents are not attempted: ${JSON.stringify(result.outcomes.map((o) => o.error?.code ?? 'ok'))}`);
    assert.match(result.err, /the batch stopped/);
    for (const o of signed) await qpdfCheck(o.output as string);
    const written = await readdir(join(work, 'out'));
    assert.deepEqual(written.sort(), signed.map((o) => o.output?.split('/').pop()).sort(), 'only whole signed files, no temp or partial file');
    // The dead session is not kept: asking again logs in afresh and finds the key gone.
    // SoftHSM may show the token without its label while pkcs11-tool's change is still being
    // written (seen under load): asked again until the token is itself again, for a few seconds.
    const askAgain = async (): Promise<unknown> => {
      for (let attempt = 0; ; attempt++) {
        try {
          await tokens.signer({ token: 'Paraphe A', key: t.p256.id }, { getPin: async () => Buffer.from('1234') });
          return null;
        } catch (error) {
          if (!/No token labelled 'Paraphe A'/.test((error as Error).message) || attempt >= 20) return error;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    };
    const again = await askAgain();
    assert.ok(again !== null, 'the dead key signs no more');
    assert.equal((again as { code?: string }).code, 'key-not-found', String(again));
    assert.match((again as Error).message, /not its private key/);
  });
});
