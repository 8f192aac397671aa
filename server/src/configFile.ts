/**
 * Reading one configuration file (steady.toml, .steady.toml, or the [tool.steady] table of pyproject.toml): TOML
 * parsing, validation of every key with a message and a position for each problem, and rule ids resolved to codes.
 * Merging files and choosing which file applies to a source file is config.ts's work.
 */
import path from 'node:path';
import { parse, TomlError } from 'smol-toml';
import type { Severity } from './engine/rule';
import { RULES, findRule } from './rules';

/** A problem in a configuration file or setting, with a 1-based position (0 when there is none, e.g. a setting). */
export interface ConfigProblem {
  /** The configuration file (absolute path); absent for editor settings and command-line options. */
  file?: string;
  line: number;
  column: number;
  message: string;
}

/** A severity, or `off` to turn a rule off. */
export type SeverityOrOff = Severity | 'off';

/** The values a `[severity]` table accepts. */
export const SEVERITY_VALUES: readonly SeverityOrOff[] = ['error', 'warning', 'info', 'hint', 'off'];

/** A rule selection of one layer: a file's top level, an override, the editor settings or command-line options. */
export interface Selection {
  /** Codes to run; when present it replaces the selection made so far. */
  select?: string[];
  /** Codes not to run. */
  ignore?: string[];
  /** Severity (or `off`) per code. */
  severity: Record<string, SeverityOrOff>;
  /** Options per code. */
  rules: Record<string, Record<string, unknown>>;
}

/** One `[[overrides]]` entry. */
export interface ConfigOverride extends Selection {
  /** Globs relative to the folder of the file that declares the override (gitignore syntax). */
  paths: string[];
}

/** One configuration file, validated. */
export interface ConfigLayer extends Selection {
  /** The file (absolute path). */
  file: string;
  /** The folder its globs are relative to. */
  dir: string;
  /** The file it extends (absolute path), and where the `extend` key is. */
  extend?: { file: string; line: number; column: number };
  /** Globs of files not to check, relative to `dir` (gitignore syntax). */
  exclude: string[];
  overrides: ConfigOverride[];
}

/** The configuration file names, in order of preference within one folder. */
export const CONFIG_FILE_NAMES = ['.steady.toml', 'steady.toml', 'pyproject.toml'] as const;

/** True for file names that are configuration files (steady.toml, .steady.toml, pyproject.toml). */
export function isConfigFile(fsPath: string): boolean {
  return (CONFIG_FILE_NAMES as readonly string[]).includes(path.basename(fsPath));
}

/** True when a pyproject.toml's text has a [tool.steady] table (only then does it configure Steady). */
export function hasToolSteady(text: string): boolean {
  return /^[ \t]*\[[ \t]*tool[ \t]*\.[ \t]*("steady"|steady)[ \t]*[\].]/m.test(text) || /^[ \t]*tool[ \t]*\.[ \t]*steady[ \t]*[.=]/m.test(text);
}

const TOP_KEYS = ['extend', 'select', 'ignore', 'exclude', 'severity', 'overrides', 'rules'];
const OVERRIDE_KEYS = ['paths', 'select', 'ignore', 'severity', 'rules'];

/** The Levenshtein distance of two short strings. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** " (did you mean X?)" for the closest candidate, when one is close enough. */
function suggest(word: string, candidates: readonly string[]): string {
  let best = '';
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.max(1, Math.floor(best.length / 4)) ? ` (did you mean "${best}"?)` : '';
}

/**
 * The codes a rule id stands for: a code (`GO101`, any case), a name (`close-guarded-by-flag`), a language prefix
 * (`GO`, `PY`) or a category prefix (`GO4`); undefined when it names no rule.
 */
export function ruleCodesOf(id: string): string[] | undefined {
  const t = id.trim();
  const rule = findRule(t);
  if (rule) return [rule.code];
  const up = t.toUpperCase();
  if (/^(GO|PY)[1-9]?$/.test(up)) {
    const codes = RULES.filter((r) => r.code.startsWith(up)).map((r) => r.code);
    return codes.length ? codes : undefined;
  }
  return undefined;
}

/** The message for an id that names no rule, with the closest code or name. */
export function unknownRuleMessage(id: string, where: string): string {
  const candidates = RULES.flatMap((r) => [r.code, r.name]);
  return `unknown rule "${id}" in ${where}${suggest(id, candidates)}; rules are named by code (e.g. GO404) or name`;
}

/** Splits a dotted TOML key (`rules."resource-not-closed".floor`) into its parts. */
function splitKey(key: string): string[] {
  const parts: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*(\.|$)/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < key.length && (m = re.exec(key))) {
    const k = m[1];
    parts.push(k.startsWith('"') ? (JSON.parse(k) as string) : k.startsWith("'") ? k.slice(1, -1) : k);
    if (m[2] === '') break;
  }
  return parts;
}

/**
 * Finds where a key (a path of table keys and array-of-tables indices) is written, as a 1-based line and column;
 * with `needle`, where that text first occurs in the key's value (e.g. an unknown code in a list). Falls back to the
 * nearest enclosing key that is written, then to the start of the file. Handles the usual layouts: tables, arrays of
 * tables, dotted keys and inline tables on one line.
 */
export function locate(text: string, keyPath: readonly (string | number)[], needle?: string): { line: number; column: number } {
  const want = keyPath.map(String);
  const lines = text.split(/\r?\n/);
  const arrayCounts = new Map<string, number>();
  let table: string[] = [];
  let best = { depth: -1, line: 0, column: 0 };
  const consider = (full: string[], line: number, column: number): void => {
    let n = 0;
    while (n < full.length && n < want.length && full[n] === want[n]) n++;
    if (n === full.length && n > best.depth) best = { depth: n, line, column };
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const arr = /^\[\[\s*([^\]]+?)\s*\]\]/.exec(trimmed);
    const tab = arr ? null : /^\[\s*([^\]]+?)\s*\]/.exec(trimmed);
    if (arr || tab) {
      const keys = splitKey((arr ?? tab)![1]);
      // A [table] inside the last element of an array of tables: [overrides.severity] after [[overrides]].
      const full: string[] = [];
      for (let k = 0; k < keys.length; k++) {
        full.push(keys[k]);
        const joined = full.join('.');
        const isLast = k === keys.length - 1;
        if (arr && isLast) {
          const n = arrayCounts.get(joined) ?? 0;
          arrayCounts.set(joined, n + 1);
          full.push(String(n));
        } else if (arrayCounts.has(joined)) {
          full.push(String(arrayCounts.get(joined)! - 1));
        }
      }
      table = full;
      consider(table, i + 1, raw.indexOf('[') + 1);
      continue;
    }
    const kv = /^\s*((?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*=/.exec(raw);
    if (!kv) continue;
    const full = [...table, ...splitKey(kv[1])];
    consider(full, i + 1, raw.indexOf(kv[1]) + 1);
    // Keys of an inline table on this line: severity = { GO402 = "info" }.
    if (best.line === i + 1 && best.depth < want.length) {
      const k = escape(want[best.depth]);
      const re = new RegExp(`[{,]\\s*("${k}"|'${k}'|${k})\\s*=`, 'g');
      re.lastIndex = raw.indexOf('=') + 1;
      const m = re.exec(raw);
      if (m) best = { depth: best.depth + 1, line: i + 1, column: m.index + m[0].indexOf(m[1]) + 1 };
    }
  }
  if (best.depth < 0) return { line: 1, column: 1 };
  if (needle !== undefined) {
    // Search the value from the key on, up to the next key or table.
    for (let i = best.line - 1; i < lines.length; i++) {
      if (i > best.line - 1 && /^\s*(\[|[A-Za-z0-9_"'-][^=]*=)/.test(lines[i]) && !/^\s*["']/.test(lines[i])) break;
      const from = i === best.line - 1 ? best.column - 1 : 0;
      const quoted = lines[i].indexOf(JSON.stringify(needle), from);
      if (quoted !== -1) return { line: i + 1, column: quoted + 1 };
      const single = lines[i].indexOf(`'${needle}'`, from);
      if (single !== -1) return { line: i + 1, column: single + 1 };
    }
  }
  return { line: best.line, column: best.column };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isTable(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (isTable(v)) return 'a table';
  if (v instanceof Date) return 'a date';
  return typeof v === 'string' ? `the string ${JSON.stringify(v)}` : `${typeof v} ${String(v)}`;
}

/**
 * Parses and validates one configuration file's text. Returns the layer (with every valid part, even when there are
 * problems), or null for a pyproject.toml without a [tool.steady] table, which does not configure Steady. Problems
 * are appended to `problems`, each with the file and a position.
 */
export function parseConfig(file: string, text: string, problems: ConfigProblem[]): ConfigLayer | null {
  const isPyproject = path.basename(file) === 'pyproject.toml';
  const layer: ConfigLayer = { file, dir: path.dirname(file), exclude: [], overrides: [], severity: {}, rules: {} };
  const prefix: string[] = isPyproject ? ['tool', 'steady'] : [];
  const at = (keyPath: (string | number)[], message: string, needle?: string): void => {
    const pos = locate(text, [...prefix, ...keyPath], needle);
    problems.push({ file, ...pos, message });
  };
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (e) {
    if (isPyproject && !hasToolSteady(text)) return null;
    const err = e as TomlError;
    const first = String(err.message).split('\n')[0].replace(/^Invalid TOML document: /, '');
    problems.push({ file, line: err.line ?? 1, column: err.column ?? 1, message: `TOML syntax error: ${first}` });
    return layer;
  }
  let root: unknown = doc;
  if (isPyproject) {
    const tool = doc.tool;
    if (!isTable(tool) || tool.steady === undefined) return null;
    root = tool.steady;
    if (!isTable(root)) {
      at([], `[tool.steady] must be a table, not ${typeName(root)}`);
      return layer;
    }
  }
  const top = root as Record<string, unknown>;

  const stringList = (v: unknown, keyPath: (string | number)[], what: string): string[] | undefined => {
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    at(keyPath, `${keyPath[keyPath.length - 1]} must be a list of ${what}, not ${typeName(v)}`);
    return undefined;
  };
  const ruleList = (v: unknown, keyPath: (string | number)[]): string[] | undefined => {
    const ids = stringList(v, keyPath, 'rule codes or names');
    if (!ids) return undefined;
    const codes: string[] = [];
    for (const id of ids) {
      const c = ruleCodesOf(id);
      if (c) codes.push(...c);
      else at(keyPath, unknownRuleMessage(id, keyPath.join('.').replace(/\.(\d+)\./, '[$1].')), id);
    }
    return [...new Set(codes)];
  };
  const selection = (t: Record<string, unknown>, base: (string | number)[], into: Selection): void => {
    if (t.select !== undefined) into.select = ruleList(t.select, [...base, 'select']) ?? into.select;
    if (t.ignore !== undefined) into.ignore = ruleList(t.ignore, [...base, 'ignore']) ?? into.ignore;
    if (t.severity !== undefined) {
      if (!isTable(t.severity)) at([...base, 'severity'], `severity must be a table of rule = "error" | "warning" | "info" | "hint" | "off", not ${typeName(t.severity)}`);
      else {
        for (const [id, value] of Object.entries(t.severity)) {
          const codes = ruleCodesOf(id);
          if (!codes) {
            at([...base, 'severity', id], unknownRuleMessage(id, 'severity'));
            continue;
          }
          if (typeof value !== 'string' || !(SEVERITY_VALUES as readonly string[]).includes(value)) {
            at([...base, 'severity', id], `severity of ${id} must be one of ${SEVERITY_VALUES.map((s) => `"${s}"`).join(', ')}, not ${typeName(value)}`);
            continue;
          }
          for (const c of codes) into.severity[c] = value as SeverityOrOff;
        }
      }
    }
    if (t.rules !== undefined) {
      if (!isTable(t.rules)) at([...base, 'rules'], `rules must be a table of [rules.<code or name>] option tables, not ${typeName(t.rules)}`);
      else {
        for (const [id, value] of Object.entries(t.rules)) {
          const rule = findRule(id);
          if (!rule) {
            at([...base, 'rules', id], unknownRuleMessage(id, 'rules'));
            continue;
          }
          if (!isTable(value)) {
            at([...base, 'rules', id], `rules.${id} must be a table of options, not ${typeName(value)}`);
            continue;
          }
          into.rules[rule.code] = { ...into.rules[rule.code], ...value };
        }
      }
    }
  };

  for (const key of Object.keys(top)) {
    if (!TOP_KEYS.includes(key)) at([key], `unknown key "${key}"${suggest(key, TOP_KEYS)}; expected ${TOP_KEYS.join(', ')}`);
  }
  if (top.extend !== undefined) {
    if (typeof top.extend !== 'string' || top.extend.trim() === '') at(['extend'], `extend must be the path of another configuration file, not ${typeName(top.extend)}`);
    else layer.extend = { file: path.resolve(layer.dir, top.extend), ...locate(text, [...prefix, 'extend']) };
  }
  selection(top, [], layer);
  if (top.exclude !== undefined) layer.exclude = stringList(top.exclude, ['exclude'], 'globs') ?? [];
  if (top.overrides !== undefined) {
    if (!Array.isArray(top.overrides)) at(['overrides'], `overrides must be an array of tables ([[overrides]]), not ${typeName(top.overrides)}`);
    else {
      top.overrides.forEach((o, i) => {
        if (!isTable(o)) {
          at(['overrides', i], `each [[overrides]] entry must be a table, not ${typeName(o)}`);
          return;
        }
        for (const key of Object.keys(o)) {
          if (!OVERRIDE_KEYS.includes(key)) at(['overrides', i, key], `unknown key "${key}" in [[overrides]]${suggest(key, OVERRIDE_KEYS)}; expected ${OVERRIDE_KEYS.join(', ')}`);
        }
        const ov: ConfigOverride = { paths: [], severity: {}, rules: {} };
        if (o.paths === undefined) at(['overrides', i], '[[overrides]] needs paths, a list of globs of the files it applies to');
        else ov.paths = stringList(o.paths, ['overrides', i, 'paths'], 'globs') ?? [];
        selection(o, ['overrides', i], ov);
        if (ov.paths.length) layer.overrides.push(ov);
      });
    }
  }
  return layer;
}
