// paraphe sign --otp-command CMD: one-time passwords printed by a command (a script reading an
// authenticator, a dialog), run through the shell once per authorization.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandLine, UsageError } from '../../main/cli/args';
import { runOtpCommand, terminalAuthorizer } from '../../main/cli/authorizer';

const ID = `testkms-${'ab'.repeat(32)}`;
const request = { kind: 'otp' as const, service: 'Test KMS', identity: 'Élodie Signataire', documents: 3, triesLeft: 2, retry: false };
const code = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return 'no error';
};

describe('--otp-command', () => {
  it('is read with --identity, and refused without it or empty', () => {
    const command = parseCommandLine(['sign', 'a.pdf', '-o', 'b.pdf', '--identity', ID, '--otp-command', 'pass show otp/dtm']);
    assert.equal(command.kind, 'sign');
    assert.deepEqual(command.kind === 'sign' ? command.identity : null, { kind: 'id', id: ID, secretEnv: null, otpCommand: 'pass show otp/dtm' });
    assert.throws(() => parseCommandLine(['sign', 'a.pdf', '-o', 'b.pdf', '--self-signed', '--otp-command', 'x']), (e: unknown) => e instanceof UsageError && /--otp-command goes with --identity/.test(e.message));
    assert.throws(() => parseCommandLine(['sign', 'a.pdf', '-o', 'b.pdf', '--identity', ID, '--otp-command', ' ']), /needs a command/);
  });

  it('takes the first line the command prints, and tells it what is authorized', async () => {
    const otp = await runOtpCommand('printf "%s|%s|%s|%s\\nsecond line\\n" "$PARAPHE_OTP_SERVICE" "$PARAPHE_OTP_IDENTITY" "$PARAPHE_OTP_DOCUMENTS" "$PARAPHE_OTP_RETRY"', process.env, request);
    assert.equal(otp, 'Test KMS|Élodie Signataire|3|0');
  });

  it('refuses a command that fails, prints nothing, prints too much or hangs, with a code and no password', async () => {
    assert.equal(await code(runOtpCommand('echo 123456; exit 3', process.env, request)), 'otp-command-failed');
    await assert.rejects(runOtpCommand('exit 3', process.env, request), /failed \(exit code 3\)/);
    await assert.rejects(runOtpCommand('true', process.env, request), /printed no password/);
    await assert.rejects(runOtpCommand('head -c 10000 /dev/zero | tr "\\0" 7', process.env, request), /more than a one-time password/);
    const started = Date.now();
    await assert.rejects(runOtpCommand('sleep 30', process.env, request, 300), /did not answer within 0 seconds|did not answer/);
    assert.ok(Date.now() - started < 10_000, 'the command is killed at its deadline');
  });

  it('is what the CLI authorizer answers an OTP request with, asked again after a refusal', async () => {
    const said: string[] = [];
    const authorizer = terminalAuthorizer({
      env: process.env,
      secretEnv: null,
      secretFlag: '--secret-env',
      askSecret: async () => assert.fail('the terminal is not asked when --otp-command is given'),
      io: { out: () => undefined, err: (text) => said.push(text), locale: 'fr' },
      otpCommand: 'echo "otp-$PARAPHE_OTP_RETRY"',
    });
    assert.equal(authorizer.attempts?.otp, 3);
    assert.equal(await authorizer.ask(request), 'otp-0');
    assert.equal(await authorizer.ask({ ...request, retry: true }), 'otp-1');
    assert.deepEqual(said, ['paraphe: le mot de passe à usage unique n’a pas été accepté (encore 2 essais)\n']);
  });
});
