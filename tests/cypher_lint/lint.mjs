// Lint a batch of Cypher texts with Neo4j's own Cypher front end.
//
// Why this exists: statecrime ships Cypher texts that only meet a parser when
// they run against a live Neo4j. @neo4j-cypher/language-support bundles the
// Neo4j front end (ANTLR grammar + the Scala.js build of Neo4j's semantic
// analysis), so syntax errors, undefined variables, type errors and
// deprecations can be caught in plain unit tests, without a database and
// without network access.
//
// stdin:  JSON list of {"name": str, "query": str, "params": {name: sample},
//                       "labels"?: [str], "relationshipTypes"?: [str]}
// stdout: JSON list of {"name": str, "diagnostics": [{"severity", "message",
//                       "line", "column", "endLine", "endColumn"}]}
//         line/column are 1-based (as in Neo4j's own error messages).
// exit:   0 when every item was linted (whatever the diagnostics say),
//         2 on bad input or when the linter fails its self-check.

import { lintCypherQuery } from '@neo4j-cypher/language-support';

// LSP DiagnosticSeverity numbers, as returned by the package.
const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };

// Neo4j 5 is what the project targets. The package's own default is also
// CYPHER 5, but we say it so a future default change cannot slip in silently.
// A text can still opt into another version with a `CYPHER 25` prefix.
const DEFAULT_LANGUAGE = 'CYPHER 5';

function fail(message) {
  process.stderr.write(`cypher_lint: ${message}\n`);
  process.exitCode = 2;
}

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', (c) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function isStringList(v) {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

function validateItem(item, index) {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    return `item ${index} is not an object`;
  }
  if (typeof item.name !== 'string' || item.name === '') {
    return `item ${index} has no string "name"`;
  }
  if (typeof item.query !== 'string') {
    return `item ${item.name} has no string "query"`;
  }
  const p = item.params;
  if (p !== undefined && (p === null || typeof p !== 'object' || Array.isArray(p))) {
    return `item ${item.name}: "params" must be an object`;
  }
  for (const key of ['labels', 'relationshipTypes']) {
    if (item[key] !== undefined && !isStringList(item[key])) {
      return `item ${item.name}: "${key}" must be a list of strings`;
    }
  }
  return null;
}

function buildSchema(item) {
  // The linter reports `$x` as an error unless dbSchema.parameters.x !== undefined.
  // Only presence matters (values are not used for type checking), but JSON
  // cannot carry `undefined`, so a sample value of null still declares it.
  const schema = { parameters: { ...(item.params ?? {}) }, defaultLanguage: DEFAULT_LANGUAGE };
  // Label / relationship-type checks run only when BOTH lists are present;
  // they yield warnings ("... is not present in the database"), never errors.
  if (item.labels !== undefined) schema.labels = item.labels;
  if (item.relationshipTypes !== undefined) schema.relationshipTypes = item.relationshipTypes;
  // Deliberately no `functions`/`procedures`: given an incomplete registry the
  // linter reports every function/procedure missing from it (APOC, GDS, ...)
  // as an error. Built-in function arity is still checked by the front end.
  return schema;
}

function convert(d) {
  return {
    severity: SEVERITY[d.severity] ?? String(d.severity),
    message: d.message,
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    endLine: d.range.end.line + 1,
    endColumn: d.range.end.character + 1,
  };
}

function lintOne(item) {
  if (item.query.trim() === '') {
    // The package returns no diagnostics for an empty text; a shipped empty
    // query is still a defect, so the harness reports it itself.
    return [{ severity: 'error', message: 'cypher_lint harness: query text is empty',
      line: 1, column: 1, endLine: 1, endColumn: 1 }];
  }
  // consoleCommandsEnabled: false, because browser commands (:param, :use ...)
  // are not Cypher and must not appear in texts sent through a driver.
  const { diagnostics } = lintCypherQuery(item.query, buildSchema(item),
    { consoleCommandsEnabled: false });
  return diagnostics.map(convert);
}

// The package wraps the semantic analysis in a try/catch that silently returns
// no diagnostics if it throws (e.g. on an unsupported Node version). Guard
// against that silent "everything passes" mode before trusting any result.
function selfCheck() {
  const probe = lintOne({ name: 'self-check', query: 'MATCH (n) RETURN m', params: {} });
  const ok = probe.some((d) => d.severity === 'error' && d.message.includes('Variable `m` not defined'));
  if (!ok) {
    return `self-check failed: semantic analysis did not report an undefined variable `
      + `(got ${JSON.stringify(probe)}); node ${process.version} may be unsupported`;
  }
  return null;
}

async function main() {
  let items;
  try {
    items = JSON.parse(await readStdin());
  } catch (e) {
    return fail(`stdin is not JSON: ${e.message}`);
  }
  if (!Array.isArray(items)) return fail('stdin must be a JSON list');
  for (let i = 0; i < items.length; i++) {
    const problem = validateItem(items[i], i);
    if (problem) return fail(problem);
  }
  const selfProblem = selfCheck();
  if (selfProblem) return fail(selfProblem);

  const out = items.map((item) => {
    let diagnostics;
    try {
      diagnostics = lintOne(item);
    } catch (e) {
      // One pathological text must not hide the results of the others; it
      // fails loudly as an error on its own item instead.
      diagnostics = [{ severity: 'error', message: `cypher_lint harness: linter crashed: ${e?.stack ?? e}`,
        line: 1, column: 1, endLine: 1, endColumn: 1 }];
    }
    return { name: item.name, diagnostics };
  });
  // Let Node flush the pipe and exit on its own (process.exit could truncate).
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => fail(e?.stack ?? String(e)));
