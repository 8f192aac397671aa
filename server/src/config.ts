/** Settings of the editor (`steady.*`) and the rule set they select. */
import type { Rule } from './engine/rule';
import { RULES, findRule } from './rules';

/** The `steady` section of the editor's settings. */
export interface Settings {
  enable: boolean;
  select: string[];
  ignore: string[];
}

/** The settings used when the client sends none. */
export const DEFAULT_SETTINGS: Settings = { enable: true, select: [], ignore: [] };

/** Reads a settings object leniently: wrong types fall back to the defaults and are reported. */
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
  else if (s.enable !== undefined) problems.push('steady.enable must be true or false; using true');
  return { enable, select: list('select'), ignore: list('ignore') };
}

const cache = new Map<string, readonly Rule[]>();

/**
 * The rules a selection enables (all when `select` is empty, minus `ignore`), as a stable array per selection so
 * per-document analyzers are reused while it does not change. Unknown codes are reported in `problems`.
 */
export function selectRules(select: readonly string[], ignore: readonly string[], problems: string[] = []): readonly Rule[] {
  const resolve = (ids: readonly string[]) =>
    ids.map((id) => {
      const r = findRule(id.trim());
      if (!r) problems.push(`unknown rule "${id}"`);
      return r;
    });
  const sel = resolve(select);
  const ign = resolve(ignore);
  const key = `${sel.map((r) => r?.code).join(',')}|${ign.map((r) => r?.code).join(',')}`;
  let rules = cache.get(key);
  if (!rules) {
    const chosen = select.length ? new Set(sel.filter(Boolean).map((r) => r!.code)) : undefined;
    const dropped = new Set(ign.filter(Boolean).map((r) => r!.code));
    rules = RULES.filter((r) => (!chosen || chosen.has(r.code)) && !dropped.has(r.code));
    cache.set(key, rules);
  }
  return rules;
}
