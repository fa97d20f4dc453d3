#!/usr/bin/env node
// Checks Cypher files with Neo4j's own Cypher parser and semantic analysis,
// as shipped in the npm package @neo4j-cypher/language-support (pinned in
// package.json; install with scripts/install_cypher_lint.sh).
//
// usage: node lint.mjs [--version] [--] FILE...
//
// Prints one JSON line per FILE, in the order given:
//   {"file": FILE, "errors": [{"message", "line", "column"}], "warnings": [...]}
// line and column are 1-based (null when a problem has no position).
// Exit status: 0 when no file has errors, 1 when some file has errors,
// 2 on a usage problem (no FILE, unknown option, unreadable FILE, tool not
// installed).
//
// What counts as an error:
//   - diagnostics of severity Error from lintCypherQuery(): syntax errors from
//     the ANTLR grammar and syntax/semantic errors from Neo4j's front end
//     (e.g. "Variable `m` not defined"), checked as Cypher 5;
//   - a file holding no statement, or more than one statement (graphflow runs
//     each file as one query, and Neo4j takes one statement per query);
//   - a CYPHER version prefix other than 5 (graphflow targets Neo4j 5).
// Everything else the package reports (deprecations, performance hints) is a
// warning. No database schema is given, so unknown labels, relationship
// types, functions and procedures are not reported; every $parameter used is
// declared, so parameters are never reported as undefined.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';

const PACKAGE = '@neo4j-cypher/language-support';
const CYPHER_VERSION = 'CYPHER 5';
const SEVERITY_ERROR = 1; // vscode-languageserver DiagnosticSeverity.Error
const USAGE = 'usage: node lint.mjs [--version] [--] FILE...';

function usageProblem(message) {
  process.stderr.write(`lint.mjs: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function loadPackage() {
  // The package's ESM build uses extensionless imports that Node cannot
  // resolve, so load its CommonJS build.
  const require = createRequire(import.meta.url);
  try {
    const ls = require(PACKAGE);
    // package.json is not in the package's "exports": read it from disk.
    const main = require.resolve(PACKAGE);
    const root = main.slice(0, main.lastIndexOf(`${sep}dist${sep}`));
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    return { ls, version };
  } catch (e) {
    process.stderr.write(
      `lint.mjs: cannot load ${PACKAGE} (${e.code ?? e.message}); ` +
        'run scripts/install_cypher_lint.sh\n',
    );
    process.exit(2);
  }
}

function problem(message, line = null, column = null) {
  return { message, line, column };
}

function fromDiagnostic(d) {
  const start = d.range?.start;
  return problem(
    d.message,
    start ? start.line + 1 : null,
    start ? start.character + 1 : null,
  );
}

function fromToken(message, token) {
  // ANTLR tokens: line is 1-based, column 0-based.
  return problem(message, token?.line ?? null, token ? token.column + 1 : null);
}

function dedupe(problems) {
  const seen = new Set();
  return problems.filter((p) => {
    const key = `${p.line}:${p.column}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function lintText(ls, text) {
  const errors = [];
  const warnings = [];

  const parsed = ls.parserWrapper.parse(text, false);
  const statements = parsed.statementsParsing.filter(
    (s) => s.command.type === 'cypher' && s.command.statement.trim().length > 0,
  );

  const parameters = {};
  for (const s of parsed.statementsParsing) {
    for (const p of s.collectedParameters) {
      parameters[p.name.replace(/^`(.*)`$/, '$1')] = true;
    }
  }
  const dbSchema = { defaultLanguage: CYPHER_VERSION, parameters };

  for (const d of ls.lintCypherQuery(text, dbSchema, false)) {
    (d.severity === SEVERITY_ERROR ? errors : warnings).push(fromDiagnostic(d));
  }

  if (statements.length === 0 && errors.length === 0) {
    errors.push(problem('file holds no Cypher statement', 1, 1));
  }
  if (statements.length > 1) {
    errors.push(
      fromToken(
        `file holds ${statements.length} statements; a .cypher file must ` +
          'hold exactly one (Neo4j runs one statement per query)',
        statements[1].command.start,
      ),
    );
  }
  for (const s of statements) {
    if (s.cypherVersion && s.cypherVersion !== CYPHER_VERSION) {
      errors.push(
        fromToken(
          `${s.cypherVersion} is not allowed: graphflow targets Neo4j 5 ` +
            `(${CYPHER_VERSION})`,
          s.command.start,
        ),
      );
    }
  }

  const byPosition = (a, b) =>
    (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
  return {
    errors: dedupe(errors).sort(byPosition),
    warnings: dedupe(warnings).sort(byPosition),
  };
}

function main(argv) {
  const files = [];
  let optionsDone = false;
  let printVersion = false;
  for (const arg of argv) {
    if (!optionsDone && arg === '--') optionsDone = true;
    else if (!optionsDone && arg === '--version') printVersion = true;
    else if (!optionsDone && (arg === '-h' || arg === '--help')) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (!optionsDone && arg.startsWith('-') && arg !== '-') {
      usageProblem(`unknown option ${arg}`);
    } else files.push(arg);
  }

  const { ls, version } = loadPackage();
  if (printVersion) {
    process.stdout.write(`${PACKAGE} ${version}\n`);
    if (files.length === 0) process.exit(0);
  }
  if (files.length === 0) usageProblem('no FILE given');

  ls._internalFeatureFlags.cypher25 = false;
  let status = 0;
  for (const file of files) {
    let text;
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8').replace(/^\uFEFF/, '');
    } catch (e) {
      const result = {
        file,
        errors: [problem(`cannot read file: ${e.code ?? e.message}`)],
        warnings: [],
      };
      process.stdout.write(`${JSON.stringify(result)}\n`);
      status = 2;
      continue;
    }
    let result;
    try {
      result = { file, ...lintText(ls, text) };
    } catch (e) {
      result = {
        file,
        errors: [problem(`the Cypher linter crashed on this file: ${e.stack ?? e}`)],
        warnings: [],
      };
    }
    if (result.errors.length > 0 && status === 0) status = 1;
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
  process.exitCode = status;
}

main(process.argv.slice(2));
