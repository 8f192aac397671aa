/**
 * Generates schemas/steady.schema.json, the JSON schema of steady.toml that the extension contributes for TOML
 * editing (completion and validation), from the rule registry so that it lists every rule code and name.
 * `npm run docs` writes it; the test suite fails when it is stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RULES } from '../server/src/rules';

/** Where the schema is written, relative to the checkout. */
export const SCHEMA_PATH = path.join('schemas', 'steady.schema.json');

/** The JSON schema of steady.toml (and of the [tool.steady] table of pyproject.toml). */
export function configSchema(): object {
  const ruleIds = RULES.flatMap((r) => [
    { const: r.code, description: `${r.name}: ${r.summary}` },
    { const: r.name, description: `${r.code}: ${r.summary}` },
  ]);
  const selection = {
    select: {
      description: 'Rules to run, by code (GO404), name (signal-notify-without-sigterm), language (GO, PY) or category prefix (GO4). Replaces the selection inherited so far.',
      $ref: '#/definitions/ruleList',
    },
    ignore: { description: 'Rules not to run (same syntax as select).', $ref: '#/definitions/ruleList' },
    severity: {
      description: 'The severity of rules, by code or name: error, warning, info, hint, or off to turn the rule off.',
      $ref: '#/definitions/severityTable',
    },
    rules: { description: 'Options of rules: [rules.<code or name>] tables.', $ref: '#/definitions/ruleOptions' },
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://github.com/steady-dev/steady/blob/main/schemas/steady.schema.json',
    title: 'Steady configuration',
    description: 'steady.toml, .steady.toml, or the [tool.steady] table of pyproject.toml. The nearest file above a source file applies.',
    type: 'object',
    additionalProperties: false,
    properties: {
      extend: { description: 'Another configuration file to inherit from, relative to this one (e.g. "../steady.toml").', type: 'string', minLength: 1 },
      ...selection,
      exclude: {
        description: 'Files not to check: globs relative to this file\'s folder, matched like .gitignore lines (e.g. "vendor/", "**/*_pb2.py").',
        type: 'array',
        items: { type: 'string' },
      },
      overrides: {
        description: 'Rule selections for some files, applied after the top level: e.g. a quieter rule set for "**/*_test.go".',
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['paths'],
          properties: {
            paths: {
              description: 'Globs of the files this override applies to, relative to this file\'s folder (.gitignore syntax).',
              type: 'array',
              items: { type: 'string' },
              minItems: 1,
            },
            ...selection,
          },
        },
      },
    },
    definitions: {
      ruleId: {
        anyOf: [...ruleIds, { description: 'A language (GO, PY) or category (GO4) prefix.', type: 'string', pattern: '^(GO|PY)[1-9]?$' }],
      },
      ruleList: { type: 'array', items: { $ref: '#/definitions/ruleId' } },
      severity: { enum: ['error', 'warning', 'info', 'hint', 'off'] },
      severityTable: { type: 'object', propertyNames: { $ref: '#/definitions/ruleId' }, additionalProperties: { $ref: '#/definitions/severity' } },
      ruleOptions: {
        type: 'object',
        propertyNames: { enum: RULES.flatMap((r) => [r.code, r.name]) },
        additionalProperties: { type: 'object' },
      },
    },
  };
}

/** The schema file's text. */
export function schemaText(): string {
  return JSON.stringify(configSchema(), null, 2) + '\n';
}

/** Writes the schema under `root`. */
export function writeSchema(root: string): void {
  mkdirSync(path.join(root, path.dirname(SCHEMA_PATH)), { recursive: true });
  writeFileSync(path.join(root, SCHEMA_PATH), schemaText());
}

if (require.main === module) writeSchema(path.resolve(__dirname, '..', '..'));
