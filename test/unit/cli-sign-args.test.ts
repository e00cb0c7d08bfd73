import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError, parseCommandLine } from '../../main/cli/args';
import type { SignCommand } from '../../main/cli/args';

const sign = (...args: string[]) => parseCommandLine(['sign', ...args]) as SignCommand;
const refused = (args: string[], message: RegExp) =>
  assert.throws(() => parseCommandLine(['sign', ...args]), (e: unknown) => e instanceof UsageError && message.test(e.message) && e.command === 'sign');

describe('paraphe sign arguments', () => {
  it('reads the full interface', () => {
    const c = sign('a.pdf', '-o', 'b.pdf', '--p12', 'id.p12', '--password-env', 'PW', '--level', 'B-LTA', '--tsa', 'https://tsa.example/tsr', '--hash', 'sha384',
      '--field', 'Sig1', '--visible', '2,10,20,210,80.5', '--image', 'logo.png', '--reason', 'OK', '--location', 'Lyon', '--certify', 'form-filling', '--json',
      '--chain', 'issuers.pem', '--chain', 'root.p7b', '--pdf-password-env', 'DOC_PW');
    assert.deepEqual(c, {
      kind: 'sign', inputs: ['a.pdf'], output: { file: 'b.pdf' }, identity: { kind: 'p12', file: 'id.p12', passwordEnv: 'PW' },
      level: 'B-LTA', tsa: 'https://tsa.example/tsr', chain: ['issuers.pem', 'root.p7b'], hash: 'sha384', field: 'Sig1', visible: { page: 2, rect: [10, 20, 210, 80.5] },
      image: 'logo.png', reason: 'OK', location: 'Lyon', certify: 2, json: true, pdfPasswordEnv: 'DOC_PW',
    });
  });

  it('reads the password variable of encrypted documents for sign, info and verify alike', () => {
    assert.equal(sign('a.pdf', '-o', 'b.pdf', '--self-signed').pdfPasswordEnv, null);
    assert.deepEqual(parseCommandLine(['info', 'a.pdf', '--pdf-password-env', 'PW']), { kind: 'info', files: ['a.pdf'], json: false, pdfPasswordEnv: 'PW' });
    const verify = parseCommandLine(['verify', 'a.pdf', '--pdf-password-env', 'PW']);
    assert.equal(verify.kind === 'verify' ? verify.pdfPasswordEnv : undefined, 'PW');
  });

  it('defaults to B-B, SHA-256, invisible, approval', () => {
    const c = sign('a.pdf', 'b.pdf', '--out-dir', 'out', '--self-signed');
    assert.equal(c.level, 'B-B');
    assert.equal(c.hash, 'sha256');
    assert.equal(c.visible, null);
    assert.equal(c.certify, null);
    assert.deepEqual(c.output, { dir: 'out' });
    assert.deepEqual(c.identity, { kind: 'self-signed' });
    assert.deepEqual(c.chain, []);
  });

  it('reads a token identity: modules, token, key, PIN variable', () => {
    const c = sign('a.pdf', '-o', 'b.pdf', '--pkcs11', '--module', '/opt/safenet/libeTPkcs11.so', '--token', 'eToken 5110', '--key', 'a1b2', '--pin-env', 'TOKEN_PIN');
    assert.deepEqual(c.identity, { kind: 'pkcs11', modules: ['/opt/safenet/libeTPkcs11.so'], token: 'eToken 5110', key: 'a1b2', pinEnv: 'TOKEN_PIN' });
    assert.deepEqual(sign('a.pdf', '-o', 'b.pdf', '--pkcs11').identity, { kind: 'pkcs11', modules: [], token: null, key: null, pinEnv: null });
  });

  it('refuses what cannot work, saying why', () => {
    refused(['a.pdf', '--p12', 'x.p12'], /either -o OUT\.pdf/);
    refused(['a.pdf', 'b.pdf', '-o', 'o.pdf', '--p12', 'x.p12'], /-o takes one input/);
    refused(['a.pdf', '-o', 'o.pdf'], /choose one identity: --p12 FILE, --self-signed or --pkcs11/);
    refused(['a.pdf', '-o', 'o.pdf', '--p12', 'x.p12', '--self-signed'], /choose one identity/);
    refused(['a.pdf', '-o', 'o.pdf', '--p12', 'x.p12', '--pkcs11'], /choose one identity/);
    refused(['a.pdf', '-o', 'o.pdf', '--p12', 'x.p12', '--key', '01'], /--key goes with --pkcs11/);
    refused(['a.pdf', '-o', 'o.pdf', '--self-signed', '--pin-env', 'PIN'], /--pin-env goes with --pkcs11/);
    refused(['a.pdf', '-o', 'o.pdf', '--self-signed', '--module', '/x.so'], /--module goes with --pkcs11/);
    refused(['a.pdf', '-o', 'o.pdf', '--self-signed', '--password-env', 'X'], /--password-env goes with --p12/);
    refused(['a.pdf', '-o', 'o.pdf', '--self-signed', '--level', 'B-T'], /needs --tsa/);
    refused(['a.pdf', '-o', 'o.pdf', '--self-signed', '--level', 'C'], /--level must be one of/);
    refused(['a.pdf', '-o', 'o.pdf', '--self-signed', '--tsa', 'ftp://x'], /http/);
    refused(['a.pdf', '-o', 'o.pdf', '--self-signed', '--visible', '1,2,3'], /PAGE,X1,Y1,X2,Y2/);
    refused(['a.pdf', '-o', 'o.pdf', '--self-signed', '--visible', '0,0,0,10,10'], /starts at 1/);
    refused(['a.pdf', '-o', 'o.pdf', '--self-signed', '--visible', '1,50,0,10,10'], /X2 must be greater/);
    refused(['a.pdf', '-o', 'o.pdf', '--self-signed', '--image', 'x.png'], /--image goes with --visible/);
    refused(['a.pdf', '-o', 'o.pdf', '--self-signed', '--certify', 'all'], /--certify must be one of/);
    refused(['a.pdf', '-o', 'o.pdf', '--self-signed', '--certify', 'constructor'], /--certify must be one of/);
    refused(['a.pdf', '-o', 'o.pdf', '--self-signed', '--hash', 'md5'], /--hash must be one of/);
    refused(['a.pdf', '-o', 'o.pdf', '--self-signed', '--bogus'], /unknown option '--bogus'/);
    refused(['-o', 'o.pdf', '--self-signed'], /at least one PDF/);
  });

  it('shows its help', () => {
    assert.deepEqual(parseCommandLine(['sign', '--help']), { kind: 'help', topic: 'sign' });
  });
});
