/**
 * Grammar loading: the web-tree-sitter runtime and the Go and Python grammars are loaded once per process,
 * with an ABI check that turns an incompatible grammar into a clear error.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Language, LANGUAGE_VERSION, MIN_COMPATIBLE_VERSION, Parser } from 'web-tree-sitter';

/** The languages Steady analyses. */
export type LanguageId = 'go' | 'python';

/** Every language Steady analyses, in a stable order. */
export const LANGUAGES: readonly LanguageId[] = ['go', 'python'];

const GRAMMAR_FILES: Record<LanguageId, string> = {
  go: 'tree-sitter-go.wasm',
  python: 'tree-sitter-python.wasm',
};

let loading: Promise<void> | undefined;
const loaded = new Map<LanguageId, Language>();
const sharedParsers = new Map<LanguageId, Parser>();

/** Finds the folder holding the grammar wasm files: next to the bundle in dist/, or grammars/ of the checkout. */
function grammarDir(explicit?: string): string {
  const candidates: string[] = [];
  if (explicit) candidates.push(explicit);
  if (process.env.STEADY_GRAMMAR_DIR) candidates.push(process.env.STEADY_GRAMMAR_DIR);
  candidates.push(__dirname);
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    candidates.push(path.join(dir, 'grammars'), path.join(dir, 'dist'));
  }
  for (const c of candidates) {
    if (existsSync(path.join(c, GRAMMAR_FILES.go)) && existsSync(path.join(c, GRAMMAR_FILES.python))) return c;
  }
  throw new Error(`Steady: cannot find ${GRAMMAR_FILES.go} and ${GRAMMAR_FILES.python} (looked in ${candidates.join(', ')})`);
}

/** Finds web-tree-sitter's runtime wasm: next to the bundle, or in node_modules when running from sources. */
function runtimeWasm(): string {
  const local = path.join(__dirname, 'tree-sitter.wasm');
  if (existsSync(local)) return local;
  try {
    return require.resolve('web-tree-sitter/tree-sitter.wasm');
  } catch {
    return local;
  }
}

/** Checks that a grammar's ABI version is one this web-tree-sitter runtime accepts. */
export function checkAbi(id: LanguageId, abi: number, min = MIN_COMPATIBLE_VERSION, max = LANGUAGE_VERSION): void {
  if (abi < min || abi > max) {
    throw new Error(
      `Steady: the ${id} grammar has ABI version ${abi}, but this web-tree-sitter accepts ${min}..${max}; ` +
        `update grammars/ as grammars/PROVENANCE.md describes`,
    );
  }
}

/** Loads the runtime and both grammars once; later calls return the same promise. */
export function loadLanguages(dir?: string): Promise<void> {
  loading ??= (async () => {
    const wasm = runtimeWasm();
    await Parser.init({ locateFile: () => wasm });
    const gdir = grammarDir(dir);
    for (const id of LANGUAGES) {
      const file = path.join(gdir, GRAMMAR_FILES[id]);
      let lang: Language;
      try {
        lang = await Language.load(file);
      } catch (e) {
        throw new Error(`Steady: cannot load the ${id} grammar from ${file}: ${(e as Error).message}`);
      }
      checkAbi(id, lang.abiVersion);
      loaded.set(id, lang);
    }
  })();
  return loading;
}

/** The loaded grammar of a language; loadLanguages() must have finished. */
export function getLanguage(id: LanguageId): Language {
  const lang = loaded.get(id);
  if (!lang) throw new Error('Steady: grammars are not loaded yet (call loadLanguages first)');
  return lang;
}

/** A new parser for a language; the caller owns it and calls delete() when done. */
export function createParser(id: LanguageId): Parser {
  const p = new Parser();
  p.setLanguage(getLanguage(id));
  return p;
}

/** A process-wide parser for one-shot parses (fix validation, CLI); never delete() it. */
export function sharedParser(id: LanguageId): Parser {
  let p = sharedParsers.get(id);
  if (!p) {
    p = createParser(id);
    sharedParsers.set(id, p);
  }
  return p;
}

/** The language of a file from its path, or from a Python shebang on its first line for files without an extension. */
export function languageForPath(file: string, firstLine?: string): LanguageId | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.go') return 'go';
  if (ext === '.py' || ext === '.pyi') return 'python';
  if (ext === '' && firstLine !== undefined && /^#!.*\bpython[0-9.]*\b/.test(firstLine)) return 'python';
  return undefined;
}

/** The language of an LSP languageId, if Steady analyses it. */
export function languageForId(languageId: string): LanguageId | undefined {
  return languageId === 'go' || languageId === 'python' ? languageId : undefined;
}
