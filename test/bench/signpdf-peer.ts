// The @signpdf peer of the signing bench, run as its own process (bundled by esbuild at bench
// time, then `node peer.cjs ...`) so GNU time measures its wall time and peak RSS like the others:
//
//   node peer.cjs IN.pdf -o OUT.pdf --p12 FILE --password-env VAR
//   node peer.cjs IN.pdf... --out-dir DIR --p12 FILE --password-env VAR
//
// The way @signpdf documents it: read the whole PDF, add a placeholder with
// @signpdf/placeholder-plain (string operations on the whole buffer), sign with @signpdf/signpdf
// and its node-forge PKCS#12 signer, write the result. Exit 1 with the library's message when it
// cannot sign a file (placeholder-plain handles neither object streams nor xref streams).
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { plainAddPlaceholder } from '@signpdf/placeholder-plain';
import { P12Signer } from '@signpdf/signer-p12';
import { SignPdf } from '@signpdf/signpdf';

/**
 * placeholder-plain finds the trailer with lastIndexOf('trailer') and parses a classic xref table;
 * on a file whose last cross-reference section is an xref stream it does not fail cleanly (on the
 * 200 MB qpdf file it grew to a 4 GB heap and died after a minute), so the peer refuses such files
 * up front, as its README says ("doesn't support streams").
 */
function refuseXrefStream(pdf: Buffer): void {
  const tail = pdf.subarray(Math.max(0, pdf.length - 1024)).toString('latin1');
  const match = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
  const offset = Number(match?.[1] ?? Number.NaN);
  if (!Number.isInteger(offset) || offset >= pdf.length) return; // let the library report it
  const head = pdf.subarray(offset, offset + 32).toString('latin1').trimStart();
  if (!head.startsWith('xref')) throw new Error('xref stream: @signpdf/placeholder-plain reads classic xref tables only');
}

function usage(message: string): never {
  process.stderr.write(`signpdf-peer: ${message}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<number> {
  const inputs: string[] = [];
  let output: string | undefined;
  let outDir: string | undefined;
  let p12: string | undefined;
  let passwordEnv: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const value = (): string => argv[++i] ?? usage(`${arg} needs a value`);
    if (arg === '-o') output = value();
    else if (arg === '--out-dir') outDir = value();
    else if (arg === '--p12') p12 = value();
    else if (arg === '--password-env') passwordEnv = value();
    else if (arg.startsWith('-')) usage(`unknown option ${arg}`);
    else inputs.push(arg);
  }
  if (inputs.length === 0 || p12 === undefined || passwordEnv === undefined) usage('IN.pdf... (-o OUT | --out-dir DIR) --p12 FILE --password-env VAR');
  if ((output === undefined) === (outDir === undefined) || (output !== undefined && inputs.length > 1)) usage('give -o OUT for one input, or --out-dir DIR');
  const passphrase = process.env[passwordEnv] ?? usage(`${passwordEnv} is not set`);

  const signpdf = new SignPdf();
  const p12Bytes = await readFile(p12);
  if (outDir !== undefined) await mkdir(outDir, { recursive: true });
  let status = 0;
  for (const input of inputs) {
    try {
      const pdfBuffer = await readFile(input);
      refuseXrefStream(pdfBuffer);
      const withPlaceholder = plainAddPlaceholder({
        pdfBuffer,
        reason: 'Benchmark',
        contactInfo: 'bench@paraphe.invalid',
        name: 'Paraphe bench',
        location: 'Here',
        subFilter: 'ETSI.CAdES.detached',
      });
      // A P12Signer is single-use: sign() decodes the PKCS#12 from a node-forge buffer it consumes.
      const signed = await signpdf.sign(withPlaceholder, new P12Signer(p12Bytes, { passphrase }));
      await writeFile(outDir !== undefined ? join(outDir, basename(input)) : (output ?? ''), signed);
    } catch (error) {
      status = 1;
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`signpdf-peer: ${input}: ${message.split('\n')[0] ?? ''}\n`);
    }
  }
  return status;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`signpdf-peer: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
