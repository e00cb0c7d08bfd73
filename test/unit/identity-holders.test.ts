// An identity's shape says where its key is held (`holder`) and so what the interface shows and
// offers: the contract refuses an identity that mixes two shapes, main and the renderer decide
// from `holder` alone, and nothing in the renderer or the contract branches on a provider's kind.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Identity } from '../../preload/contract/schemas';
import { p12Identity } from '../../main/services/providers/pkcs12';
import { tokenIdentities } from '../../main/services/providers/pkcs11';

const FP = 'cd'.repeat(32);
const common = {
  name: 'Élodie Signataire',
  email: null,
  issuer: 'Paraphe Test Issuing CA',
  serial: '01',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2028-01-01T00:00:00.000Z',
  fingerprint: FP,
};
const keychain = { ...common, id: `personal-${FP}`, kind: 'personal', holder: 'keychain', keyType: 'p256', needsPassword: false };
const file = { ...common, id: `p12-${FP}`, kind: 'p12', holder: 'file', file: '/home/anne/signer.p12', needsPassword: true };
const token = { ...common, id: `token-${FP}`, kind: 'token', holder: 'token', token: { label: 'Paraphe A', serial: '42' }, needsPassword: false };
const remote = { ...common, id: `csc-${FP}`, kind: 'csc', holder: 'remote', service: 'CertSign', needsPassword: false };

describe('Identity: one strict shape per holder', () => {
  it('accepts each holder with what it shows, whatever the provider kind', () => {
    for (const identity of [keychain, file, token, remote, { ...remote, kind: 'testkms', service: 'test KMS', needsPassword: true }]) {
      assert.deepEqual(Identity.parse(identity), identity);
    }
  });

  it('refuses an identity that mixes shapes, lacks its own fields, or has no holder', () => {
    const cases: Array<[string, unknown]> = [
      ['a file identity without its file', { ...file, file: undefined }],
      ['a file identity whose file is null', { ...file, file: null }],
      ['a file identity with a key type', { ...file, keyType: 'p256' }],
      ['a file identity with a token', { ...file, token: token.token }],
      ['a token identity with a key type', { ...token, keyType: 'p256' }],
      ['a token identity with a file', { ...token, file: '/home/anne/signer.p12' }],
      ['a token identity without its token', { ...token, token: undefined }],
      ['a token identity whose token is null', { ...token, token: null }],
      ['a keychain identity with a file', { ...keychain, file: null }],
      ['a keychain identity without its key type', { ...keychain, keyType: undefined }],
      ['a keychain identity whose key type is null', { ...keychain, keyType: null }],
      ['a keychain identity asking a password', { ...keychain, needsPassword: true }],
      ['a remote identity without its service', { ...remote, service: undefined }],
      ['a remote identity with an empty service', { ...remote, service: '' }],
      ['a remote identity without needsPassword', { ...remote, needsPassword: undefined }],
      ['a remote identity with a token', { ...remote, token: token.token }],
      ['an unknown holder', { ...file, holder: 'cloud' }],
      ['the former single shape (no holder, nullable fields)', { ...common, id: `p12-${FP}`, kind: 'p12', file: '/x.p12', keyType: null, needsPassword: true }],
      ['a provider kind that is not one', { ...file, kind: 'P12' }],
    ];
    for (const [what, identity] of cases) {
      assert.equal(Identity.safeParse(identity).success, false, what);
    }
  });

  it('builds what the providers list to that shape', () => {
    const saved = { path: '/home/anne/signer.p12', fingerprint: FP, subject: 'Anne', issuer: 'CA', serial: '02', notBefore: common.notBefore, notAfter: common.notAfter, addedAt: common.notBefore };
    assert.equal(Identity.parse(p12Identity(saved)).holder, 'file');
    const scan = {
      modules: [],
      tokens: [{ label: 'Paraphe A', serial: '42', certificates: [{ name: 'Anne', issuer: 'CA', serial: '03', notBefore: common.notBefore, notAfter: common.notAfter, fingerprint: FP, keyId: '01', unusable: null }] }],
    } as unknown as Parameters<typeof tokenIdentities>[0];
    for (const identity of tokenIdentities(scan)) assert.deepEqual(Identity.parse(identity).holder, 'token');
  });
});

describe('the holder decides whether the sign panel takes a password', () => {
  it('takes a password from the sign panel for a .p12 and a remote account that asks one, never for the keychain or a token', () => {
    assert.equal(Identity.parse(file).needsPassword, true);
    assert.equal(Identity.parse({ ...remote, needsPassword: true }).needsPassword, true);
    assert.equal(Identity.parse(remote).needsPassword, false);
    assert.equal(Identity.parse(keychain).needsPassword, false);
    assert.equal(Identity.parse(token).needsPassword, false);
  });

  it('refuses a holder that says otherwise (a .p12 without its password, a token or the keychain with one)', () => {
    for (const wrong of [{ ...file, needsPassword: false }, { ...token, needsPassword: true }, { ...keychain, needsPassword: true }, { ...file, needsPassword: undefined }]) {
      assert.equal(Identity.safeParse(wrong).success, false, JSON.stringify(wrong));
    }
  });
});

describe('the renderer and the contract never branch on a provider kind', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const sources = (dir: string): string[] =>
    readdirSync(join(root, dir)).flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(join(root, path)).isDirectory() ? sources(path) : /\.tsx?$/.test(entry) ? [path] : [];
    });
  it('has no comparison of an identity kind with a provider name in renderer/src or preload/contract', () => {
    const files = [...sources('renderer/src'), ...sources('preload/contract')];
    assert.ok(files.some((f) => f.endsWith('SignPanel.tsx')));
    const found = files.flatMap((f) => {
      const text = readFileSync(join(root, f), 'utf8');
      return [...text.matchAll(/\bkind\s*[!=]==?\s*['"](personal|p12|token|testkms|csc|certsign)['"]|['"](personal|p12|token|testkms|csc|certsign)['"]\s*[!=]==?\s*[\w.?]*\bkind\b/g)].map((m) => `${f}: ${m[0]}`);
    });
    assert.deepEqual(found, []);
  });
});
