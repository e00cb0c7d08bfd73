// Counts leaf tests across every test file and prints the closing line CI reads:
// "N passed, N failed, N skipped". Suites (describe) are not counted, only tests.
export default async function* summary(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failures = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const data = event.data;
    if (data.details?.type === 'suite') continue;
    if (data.skip !== undefined || data.todo !== undefined) {
      skipped += 1;
    } else if (event.type === 'test:pass') {
      passed += 1;
    } else {
      failed += 1;
      failures.push(`${data.file ?? ''} › ${data.name}`);
    }
  }
  if (failures.length > 0) {
    yield `\nFailed tests:\n${failures.map((f) => `  ✖ ${f}`).join('\n')}\n`;
  }
  yield `\n${passed} passed, ${failed} failed, ${skipped} skipped\n`;
}
