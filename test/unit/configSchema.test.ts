/**
 * The JSON schema of steady.toml (schemas/steady.schema.json): it is generated from the rule registry and up to date,
 * it accepts the configurations the README and the tests use and rejects bad ones, and it agrees with the parser.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'smol-toml';
import { parseConfig, type ConfigProblem } from '../../server/src/configFile';
import { RULES } from '../../server/src/rules';
import { configSchema, SCHEMA_PATH } from '../../scripts/gen-schema';

const ROOT = path.resolve(__dirname, '..', '..', '..');

const GOOD: Record<string, string> = {
  readme: `
extend = "../steady.toml"
select = ["GO", "PY"]
ignore = ["untracked-goroutine"]
exclude = ["vendor/", "**/*_pb2.py", "third_party/**"]

[severity]
GO402 = "info"
silent-broad-except = "error"
GO105 = "off"

[[overrides]]
paths = ["**/*_test.go", "tests/**"]
ignore = ["GO2", "fatal-exit-skips-cleanup"]
[overrides.severity]
GO404 = "hint"

[rules.resource-not-closed]
some-option = 3
`,
  empty: '',
  inline: 'severity = { GO404 = "warning" }\nrules.GO101 = { x = true }\n',
};

const BAD: Record<string, string> = {
  unknownKey: 'selct = ["GO404"]\n',
  unknownRule: 'select = ["GO999"]\n',
  wrongType: 'exclude = "vendor"\n',
  badSeverity: '[severity]\nGO404 = "loud"\n',
  unknownSeverityRule: '[severity]\nnope = "info"\n',
  overrideWithoutPaths: '[[overrides]]\nignore = ["GO404"]\n',
  overrideUnknownKey: '[[overrides]]\npaths = ["a"]\ncolour = 1\n',
  ruleOptionsNotTable: '[rules]\nGO101 = 3\n',
  extendNotString: 'extend = 3\n',
};

describe('steady.toml schema', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const schema = JSON.parse(readFileSync(path.join(ROOT, SCHEMA_PATH), 'utf8')) as object;
  const validate = ajv.compile(schema);

  it('is generated from the registry and up to date (npm run docs writes it)', () => {
    assert.deepEqual(schema, configSchema(), `${SCHEMA_PATH} is stale: run npm run docs`);
  });

  it('lists every rule code and name', () => {
    const ids = new Set((schema as any).definitions.ruleId.anyOf.filter((x: any) => 'const' in x).map((x: any) => x.const));
    for (const r of RULES) {
      assert.ok(ids.has(r.code), r.code);
      assert.ok(ids.has(r.name), r.name);
    }
    assert.equal(ids.size, RULES.length * 2);
  });

  for (const [name, text] of Object.entries(GOOD)) {
    it(`accepts the ${name} example, as the parser does`, () => {
      assert.ok(validate(parse(text)), JSON.stringify(validate.errors));
      const problems: ConfigProblem[] = [];
      parseConfig('/p/steady.toml', text, problems);
      assert.deepEqual(problems, []);
    });
  }

  for (const [name, text] of Object.entries(BAD)) {
    it(`rejects ${name}, as the parser does`, () => {
      assert.equal(validate(parse(text)), false, `${name} passed the schema`);
      const problems: ConfigProblem[] = [];
      parseConfig('/p/steady.toml', text, problems);
      assert.ok(problems.length > 0, `${name} passed the parser`);
    });
  }

  it('is contributed for steady.toml and .steady.toml and shipped in the package', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.deepEqual(pkg.contributes.tomlValidation, [{ fileMatch: ['steady.toml', '.steady.toml'], url: './schemas/steady.schema.json' }]);
    const allow = readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').split('\n');
    assert.ok(allow.includes('!schemas/**'), '.vscodeignore lets schemas/ in');
  });

  it('documents every setting the server reads', () => {
    const props = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).contributes.configuration.properties;
    for (const key of ['enable', 'select', 'ignore', 'severity', 'configPath']) {
      assert.ok(props[`steady.${key}`], `steady.${key} is contributed`);
      assert.ok(String(props[`steady.${key}`].markdownDescription ?? props[`steady.${key}`].description).length > 20, `steady.${key} has a description`);
    }
  });
});
