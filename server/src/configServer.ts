/**
 * The language server's side of configuration: watching configuration files, re-resolving when they or the
 * settings change, and reporting configuration problems (diagnostics on the configuration file, a message for bad
 * settings). server.ts wires it to the connection; the configuration itself is config.ts's.
 */
import { DiagnosticSeverity, DidChangeWatchedFilesNotification, MessageType, WatchKind, type Connection, type Diagnostic } from 'vscode-languageserver/node';
import { readFileSync } from 'node:fs';
import { URI } from 'vscode-uri';
import { ConfigStore, isConfigFile, type ConfigProblem } from './config';

/** The glob the client watches for configuration files. */
export const CONFIG_WATCH_GLOB = '**/{steady.toml,.steady.toml,pyproject.toml}';

/** Configuration handling of one server session. */
export class ConfigSession {
  /** Configuration files that have problems shown, by URI. */
  private readonly published = new Map<string, string>();
  private readonly shownMessages = new Set<string>();
  private problemsGeneration = -1;
  private problemsCount = -1;

  constructor(
    private readonly connection: Connection,
    readonly store: ConfigStore,
  ) {}

  /** Asks the client to watch configuration files, when it supports registering watchers. */
  registerWatchers(dynamicRegistration: boolean): void {
    if (!dynamicRegistration) return;
    void this.connection.client
      .register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: CONFIG_WATCH_GLOB, kind: WatchKind.Create | WatchKind.Change | WatchKind.Delete }],
      })
      .catch((e) => this.connection.console.warn(`steady: cannot watch configuration files: ${(e as Error).message}`));
  }

  /**
   * Handles watched-file changes: drops what depends on changed configuration files. Returns true when any changed,
   * so that the caller re-analyses the open documents.
   */
  onWatchedFiles(paths: readonly string[]): boolean {
    const changed = paths.filter(isConfigFile);
    if (changed.length === 0) return false;
    this.store.invalidate(changed);
    return true;
  }

  /**
   * Publishes the configuration problems found so far: a diagnostic per problem on its configuration file (cleared
   * when fixed), a message once per bad setting. Cheap when nothing changed.
   */
  publishProblems(): void {
    const problems = this.store.problems();
    if (this.store.generation === this.problemsGeneration && problems.length === this.problemsCount) return;
    this.problemsGeneration = this.store.generation;
    this.problemsCount = problems.length;
    const byUri = new Map<string, Diagnostic[]>();
    for (const p of problems) {
      if (!p.file || p.line === 0) {
        this.showOnce(p);
        continue;
      }
      const uri = URI.file(p.file).toString();
      let list = byUri.get(uri);
      if (!list) byUri.set(uri, (list = []));
      list.push(toConfigDiagnostic(p, lineOf(p.file, p.line)));
    }
    for (const [uri, diagnostics] of byUri) {
      const key = JSON.stringify(diagnostics);
      if (this.published.get(uri) === key) continue;
      this.published.set(uri, key);
      void this.connection.sendDiagnostics({ uri, diagnostics });
    }
    for (const uri of [...this.published.keys()]) {
      if (byUri.has(uri)) continue;
      this.published.delete(uri);
      void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    }
  }

  /** Shows a problem that has no place in a file (a setting) once per session. */
  private showOnce(p: ConfigProblem): void {
    const text = `Steady: ${p.file ? `${p.file}: ` : ''}${p.message}`;
    if (this.shownMessages.has(text)) return;
    this.shownMessages.add(text);
    this.connection.console.warn(text);
    void this.connection.sendNotification('window/showMessage', { type: MessageType.Warning, message: text });
  }
}

/** The text of a 1-based line of a file ('' when it cannot be read). */
function lineOf(file: string, line: number): string {
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/)[line - 1] ?? '';
  } catch {
    return '';
  }
}

/**
 * A configuration problem as a diagnostic on its file (positions are 1-based in problems, 0-based in LSP), covering
 * the key or value the problem is at, to the next space, `=`, `,` or bracket.
 */
export function toConfigDiagnostic(p: ConfigProblem, lineText = ''): Diagnostic {
  const line = Math.max(0, p.line - 1);
  const character = Math.max(0, p.column - 1);
  const token = /^("[^"]*"|'[^']*'|[^\s=,\]}]+)/.exec(lineText.slice(character));
  return {
    range: { start: { line, character }, end: { line, character: character + Math.max(1, token?.[0].length ?? 1) } },
    severity: DiagnosticSeverity.Error,
    source: 'steady',
    message: p.message,
  };
}
