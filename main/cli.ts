export async function main(argv: string[]): Promise<number> {
  process.stdout.write(`paraphe stub ${argv.join(' ')}\n`);
  return 0;
}
