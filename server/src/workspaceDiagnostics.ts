/**
 * Diagnostics of files analysed from disk (not open in the editor). They carry the same `data` as an open
 * document's (the fixes in LSP ranges), with version null and the hash of the text they were computed for, so that
 * their quick fixes still apply once the file is opened with that same text.
 */
import type { Diagnostic } from 'vscode-languageserver';
import type { DiagnosticData } from './diagnostics';
import { toDiagnostic } from './diagnostics';
import type { Finding } from './engine/rule';
import type { LineIndex } from './lineIndex';

/** The `data` of a diagnostic computed from a file on disk. */
export interface DiskDiagnosticData extends Omit<DiagnosticData, 'version'> {
  /** Null: the file was not open, so there is no document version. */
  version: null;
  /** sha256 (hex) of the UTF-8 text the fixes were computed for. */
  contentHash: string;
}

/**
 * Whether a diagnostic's data was computed from a file on disk. Its version may come back absent rather than null:
 * some clients (Neovim) drop null fields when they decode JSON.
 */
export function isDiskData(d: unknown): d is DiskDiagnosticData {
  return (
    !!d &&
    typeof d === 'object' &&
    ((d as DiskDiagnosticData).version ?? null) === null &&
    typeof (d as DiskDiagnosticData).contentHash === 'string' &&
    Array.isArray((d as DiskDiagnosticData).fixes)
  );
}

/** Converts the findings of a file read from disk; `hash` is the content hash of the text they were computed on. */
export function diskDiagnostics(findings: readonly Finding[], lines: LineIndex, hash: string): Diagnostic[] {
  return findings.map((f) => {
    const d = toDiagnostic(f, lines, 0);
    const data: DiskDiagnosticData = { ...(d.data as DiagnosticData), version: null, contentHash: hash };
    return { ...d, data };
  });
}
