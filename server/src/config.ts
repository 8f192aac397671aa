/**
 * The configuration of each file: the nearest configuration file (steady.toml, .steady.toml, or pyproject.toml with
 * [tool.steady]) found by walking up from the file's folder, the files it extends, its overrides, and the editor
 * settings or command-line options on top. One ConfigStore per front end caches it all.
 *
 * Layers apply in this order, each `select` replacing the selection so far and each `ignore` removing from it,
 * later severities and options winning: the extended files' top levels (the base first), the nearest file's top
 * level, then the matching [[overrides]] of those files in the same order, then the settings (or CLI options).
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { Rule, Severity } from './engine/rule';
import { RULES } from './rules';
import {
  CONFIG_FILE_NAMES,
  hasToolSteady,
  parseConfig,
  ruleCodesOf,
  SEVERITY_VALUES,
  unknownRuleMessage,
  type ConfigLayer,
  type ConfigProblem,
  type Selection,
  type SeverityOrOff,
} from './configFile';

export { isConfigFile, type ConfigProblem } from './configFile';

/** The `steady` section of the editor's settings (the CLI fills it from its options). */
export interface Settings {
  /** False turns every rule off. */
  enable: boolean;
  /** Rule codes or names to run, replacing the files' selection (empty: keep it). */
  select: string[];
  /** Rule codes or names not to run. */
  ignore: string[];
  /** Severity (or "off") per rule code or name, over the files'. */
  severity: Record<string, string>;
  /** A configuration file used for every file instead of discovery (absolute, or relative to `baseDir`). */
  configPath?: string;
}

/** The settings used when the client sends none. */
export const DEFAULT_SETTINGS: Settings = { enable: true, select: [], ignore: [], severity: {} };

/** Reads a settings object leniently: wrong values are left out and reported. */
export function parseSettings(raw: unknown, problems: string[] = []): Settings {
  const s = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const list = (key: 'select' | 'ignore'): string[] => {
    const v = s[key];
    if (v === undefined || v === null) return [];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    problems.push(`steady.${key} must be a list of rule codes or names; ignoring it`);
    return [];
  };
  let enable = true;
  if (typeof s.enable === 'boolean') enable = s.enable;
  else if (s.enable !== undefined && s.enable !== null) problems.push('steady.enable must be true or false; using true');
  const severity: Record<string, string> = {};
  if (s.severity !== undefined && s.severity !== null) {
    if (typeof s.severity !== 'object' || Array.isArray(s.severity)) {
      problems.push('steady.severity must be an object of rule code or name to "error", "warning", "info", "hint" or "off"; ignoring it');
    } else {
      for (const [k, v] of Object.entries(s.severity as Record<string, unknown>)) {
        if (typeof v === 'string' && (SEVERITY_VALUES as readonly string[]).includes(v)) severity[k] = v;
        else problems.push(`steady.severity.${k} must be "error", "warning", "info", "hint" or "off", not ${JSON.stringify(v)}; ignoring it`);
      }
    }
  }
  let configPath: string | undefined;
  if (typeof s.configPath === 'string') configPath = s.configPath.trim() || undefined;
  else if (s.configPath !== undefined && s.configPath !== null) problems.push('steady.configPath must be a file path; ignoring it');
  return { enable, select: list('select'), ignore: list('ignore'), severity, configPath };
}

/** The configuration that applies to one file. */
export interface FileConfig {
  /** Rules to run on this file (after select/ignore/overrides and severity "off"), a stable array per distinct set. */
  rules: readonly Rule[];
  /** Severity per rule code where the configuration changes it (front ends apply it to findings). */
  severity: Readonly<Record<string, Severity>>;
  /** Per-rule options by rule code (AnalyzeOptions.ruleOptions). */
  ruleOptions: Record<string, Record<string, unknown>>;
  /** True when an `exclude` glob of the applying configuration matches the file. */
  excluded: boolean;
  /** A stable hash of rules, severity, options (for result caches). */
  hash: string;
  /** The configuration files that applied, nearest first (absolute paths). */
  sources: string[];
}

/** A loaded configuration file: its layer in force (null: not a configuration) and its own problems. */
interface LoadedFile {
  layer: ConfigLayer | null;
  problems: ConfigProblem[];
}

/** A resolved chain: the layers base first, the exclude matchers, and the problems of resolving `extend`. */
interface Chain {
  layers: ConfigLayer[];
  excludes: { dir: string; matcher: Ignore }[];
  overrides: { dir: string; matcher: Ignore; selection: Selection }[];
}

const EMPTY_CHAIN: Chain = { layers: [], excludes: [], overrides: [] };

/** Settings resolved to codes. */
interface SettingsLayer extends Selection {
  enable: boolean;
}

const stableRules = new Map<string, readonly Rule[]>();

/** The rules of a set of codes, in registry order, as one array per distinct set. */
function rulesOf(codes: ReadonlySet<string>): readonly Rule[] {
  const rules = RULES.filter((r) => codes.has(r.code));
  const key = rules.map((r) => r.code).join(',');
  let cached = stableRules.get(key);
  if (!cached) stableRules.set(key, (cached = rules));
  return cached;
}

/** A path relative to a folder in the form gitignore globs match, or undefined when it is outside the folder. */
function relativeTo(dir: string, file: string): string | undefined {
  const rel = path.relative(dir, file).split(path.sep).join('/');
  if (rel === '' || rel.startsWith('../') || rel === '..' || path.isAbsolute(rel)) return undefined;
  return rel;
}

/** Whether a gitignore-style matcher matches a file relative to `dir`. */
function matches(dir: string, matcher: Ignore, file: string): boolean {
  const rel = relativeTo(dir, file);
  return rel !== undefined && matcher.ignores(rel);
}

/** Finds, parses, merges and caches configuration files; one per front end. */
export class ConfigStore {
  private settings: Settings = DEFAULT_SETTINGS;
  private settingsLayer: SettingsLayer = { enable: true, severity: {}, rules: {} };
  private settingsProblems: ConfigProblem[] = [];
  private readonly files = new Map<string, LoadedFile>();
  private readonly lastGood = new Map<string, ConfigLayer>();
  private readonly chains = new Map<string, Chain>();
  private readonly lastGoodChains = new Map<string, Chain>();
  private readonly chainProblems = new Map<string, ConfigProblem[]>();
  private readonly nearest = new Map<string, string | null>();
  private readonly perFile = new Map<string, FileConfig>();
  private gen = 0;

  /** `baseDir` is where a relative `configPath` is resolved from (the workspace folder or the working folder). */
  constructor(settings?: Settings, private baseDir = process.cwd()) {
    if (settings) this.setSettings(settings);
  }

  /** Increases whenever anything that can change a FileConfig changed. */
  get generation(): number {
    return this.gen;
  }

  /** Sets the folder a relative configPath is resolved from. */
  setBaseDir(dir: string): void {
    if (dir === this.baseDir) return;
    this.baseDir = dir;
    this.invalidate();
  }

  /** Editor settings (steady.enable/select/ignore/severity/configPath); bumps generation. */
  setSettings(settings: Settings): void {
    this.settings = settings;
    const problems: ConfigProblem[] = [];
    const codes = (ids: string[], key: string): string[] | undefined => {
      if (ids.length === 0) return undefined;
      const out: string[] = [];
      for (const id of ids) {
        const c = ruleCodesOf(id);
        if (c) out.push(...c);
        else problems.push({ line: 0, column: 0, message: unknownRuleMessage(id, `steady.${key}`) });
      }
      return out;
    };
    const severity: Record<string, SeverityOrOff> = {};
    for (const [id, v] of Object.entries(settings.severity ?? {})) {
      const c = ruleCodesOf(id);
      if (!c) problems.push({ line: 0, column: 0, message: unknownRuleMessage(id, 'steady.severity') });
      else if (!(SEVERITY_VALUES as readonly string[]).includes(v)) problems.push({ line: 0, column: 0, message: `steady.severity.${id} must be one of ${SEVERITY_VALUES.join(', ')}` });
      else for (const code of c) severity[code] = v as SeverityOrOff;
    }
    const select = codes(settings.select, 'select');
    this.settingsLayer = {
      enable: settings.enable,
      // A selection of only unknown rules is ignored rather than turning everything off.
      select: select && select.length ? select : undefined,
      ignore: codes(settings.ignore, 'ignore'),
      severity,
      rules: {},
    };
    this.settingsProblems = problems;
    this.invalidate();
  }

  /** Drops cached configuration (all, or what depends on the changed config file paths); bumps generation. */
  invalidate(changedPaths?: string[]): void {
    if (changedPaths) for (const p of changedPaths) this.files.delete(path.resolve(p));
    else this.files.clear();
    this.chains.clear();
    this.chainProblems.clear();
    this.nearest.clear();
    this.perFile.clear();
    this.gen++;
  }

  /** Problems found in configuration files and settings (each file's current problems, then the settings'). */
  problems(): ConfigProblem[] {
    const out: ConfigProblem[] = [];
    for (const f of this.files.values()) out.push(...f.problems);
    for (const ps of this.chainProblems.values()) out.push(...ps);
    const seen = new Set<string>();
    return [...out, ...this.settingsProblems].filter((p) => {
      const key = `${p.file}:${p.line}:${p.column}:${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  /** The configuration file used for every file (configPath), absolute, or undefined for discovery. */
  private explicitConfig(): string | undefined {
    return this.settings.configPath ? path.resolve(this.baseDir, this.settings.configPath) : undefined;
  }

  /** Loads one configuration file (cached until invalidated); undefined when it does not exist. */
  private load(file: string): LoadedFile | undefined {
    const cached = this.files.get(file);
    if (cached) return cached;
    let text: string;
    try {
      if (!statSync(file).isFile()) return undefined;
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    if (path.basename(file) === 'pyproject.toml' && !hasToolSteady(text)) {
      const none: LoadedFile = { layer: null, problems: [] };
      this.files.set(file, none);
      return none;
    }
    const problems: ConfigProblem[] = [];
    let layer = parseConfig(file, text, problems);
    if (layer && problems.length === 0) this.lastGood.set(file, layer);
    else if (layer && this.lastGood.has(file)) {
      layer = this.lastGood.get(file)!;
      for (const p of problems) p.message += ' (the last valid version of this file stays in force)';
    }
    const loaded: LoadedFile = { layer, problems };
    this.files.set(file, loaded);
    return loaded;
  }

  /** The nearest configuration file of a folder, walking up; null when there is none. */
  private nearestConfig(dir: string): string | null {
    const walked: string[] = [];
    let found: string | null = null;
    for (let d = dir; ; ) {
      const cached = this.nearest.get(d);
      if (cached !== undefined) {
        found = cached;
        break;
      }
      walked.push(d);
      const hit = CONFIG_FILE_NAMES.map((n) => path.join(d, n)).find((f) => this.load(f)?.layer);
      if (hit) {
        found = hit;
        break;
      }
      const parent = path.dirname(d);
      if (parent === d) break;
      d = parent;
    }
    for (const d of walked) this.nearest.set(d, found);
    return found;
  }

  /** The chain of layers a configuration file stands for (its extends, base first), cached. */
  private chain(file: string): Chain {
    const cached = this.chains.get(file);
    if (cached) return cached;
    const problems: ConfigProblem[] = [];
    const layers: ConfigLayer[] = [];
    const visited: string[] = [];
    let current: string | undefined = file;
    let from: ConfigLayer | undefined;
    while (current) {
      if (visited.includes(current)) {
        const cycle = [...visited.slice(visited.indexOf(current)), current].map((f) => path.basename(path.dirname(f)) + '/' + path.basename(f));
        problems.push({ file: from!.file, line: from!.extend!.line, column: from!.extend!.column, message: `extend cycle: ${cycle.join(' → ')}` });
        break;
      }
      visited.push(current);
      const loaded = this.load(current);
      if (!loaded?.layer) {
        if (from) {
          const why = loaded ? 'has no [tool.steady] table' : 'does not exist';
          problems.push({ file: from.file, line: from.extend!.line, column: from.extend!.column, message: `extend: ${current} ${why}` });
        } else if (!loaded) {
          problems.push({ file: current, line: 0, column: 0, message: `configuration file ${current} does not exist` });
        } else {
          problems.push({ file: current, line: 0, column: 0, message: `${current} has no [tool.steady] table` });
        }
        break;
      }
      layers.unshift(loaded.layer);
      from = loaded.layer;
      current = loaded.layer.extend?.file;
    }
    let chain: Chain = {
      layers,
      excludes: layers.filter((l) => l.exclude.length).map((l) => ({ dir: l.dir, matcher: ignore().add(l.exclude) })),
      overrides: layers.flatMap((l) => l.overrides.map((o) => ({ dir: l.dir, matcher: ignore().add(o.paths), selection: o }))),
    };
    if (problems.length === 0) this.lastGoodChains.set(file, chain);
    else if (this.lastGoodChains.has(file)) {
      chain = this.lastGoodChains.get(file)!;
      for (const p of problems) p.message += ' (the last valid configuration stays in force)';
    }
    this.chainProblems.set(file, problems);
    this.chains.set(file, chain);
    return chain;
  }

  /** The configuration files that apply to a file, or an empty chain. */
  private chainFor(fsPath: string): Chain {
    const explicit = this.explicitConfig();
    if (explicit) return this.chain(explicit);
    const nearest = this.nearestConfig(path.dirname(fsPath));
    return nearest ? this.chain(nearest) : EMPTY_CHAIN;
  }

  /** The configuration of a file (absolute path); cached per file until something changes. */
  forFile(fsPath: string): FileConfig {
    const abs = path.resolve(fsPath);
    const cached = this.perFile.get(abs);
    if (cached) return cached;
    const chain = this.chainFor(abs);
    const selections: Selection[] = [...chain.layers];
    for (const o of chain.overrides) if (matches(o.dir, o.matcher, abs)) selections.push(o.selection);
    selections.push(this.settingsLayer);
    let enabled = new Set(RULES.map((r) => r.code));
    const severity: Record<string, SeverityOrOff> = {};
    const ruleOptions: Record<string, Record<string, unknown>> = {};
    for (const s of selections) {
      if (s.select) enabled = new Set(s.select);
      for (const c of s.ignore ?? []) enabled.delete(c);
      Object.assign(severity, s.severity);
      for (const [code, opts] of Object.entries(s.rules)) ruleOptions[code] = { ...ruleOptions[code], ...opts };
    }
    if (!this.settingsLayer.enable) enabled.clear();
    for (const [code, sev] of Object.entries(severity)) if (sev === 'off') enabled.delete(code);
    const rules = rulesOf(enabled);
    const sev: Record<string, Severity> = {};
    for (const code of Object.keys(severity).sort()) if (severity[code] !== 'off' && enabled.has(code)) sev[code] = severity[code] as Severity;
    const opts: Record<string, Record<string, unknown>> = {};
    for (const code of Object.keys(ruleOptions).sort()) if (enabled.has(code)) opts[code] = ruleOptions[code];
    const config: FileConfig = {
      rules,
      severity: sev,
      ruleOptions: opts,
      excluded: chain.excludes.some((e) => matches(e.dir, e.matcher, abs)),
      hash: `${rules.map((r) => r.code).join(',')}|${JSON.stringify(sev)}|${JSON.stringify(opts)}`,
      sources: chain.layers.map((l) => l.file).reverse(),
    };
    this.perFile.set(abs, config);
    return config;
  }

  /** The exclude globs in force for a file, with the configuration file each comes from (for --show-config). */
  excludesFor(fsPath: string): { file: string; globs: string[] }[] {
    return this.chainFor(path.resolve(fsPath)).layers.filter((l) => l.exclude.length).map((l) => ({ file: l.file, globs: l.exclude }));
  }
}

/**
 * The rules a selection enables (all when `select` is empty, minus `ignore`), as a stable array per selection.
 * Unknown codes are reported in `problems`.
 */
export function selectRules(select: readonly string[], ignoreIds: readonly string[], problems: string[] = []): readonly Rule[] {
  const codes = (ids: readonly string[]): string[] =>
    ids.flatMap((id) => {
      const c = ruleCodesOf(id);
      if (!c) problems.push(`unknown rule "${id}"`);
      return c ?? [];
    });
  const enabled = new Set(select.length ? codes(select) : RULES.map((r) => r.code));
  for (const c of codes(ignoreIds)) enabled.delete(c);
  return rulesOf(enabled);
}
