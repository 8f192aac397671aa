/**
 * The custom messages between the Steady server and its VS Code client. The client imports this file, so it must
 * import nothing from the server: only the JSON-RPC message type.
 */
import { NotificationType } from 'vscode-jsonrpc';

/** What the workspace analysis is doing. */
export type ScanState = 'starting' | 'scanning' | 'idle' | 'cancelled' | 'off';

/** Counts of the problems Steady reports, by severity. */
export interface SeverityCounts {
  error: number;
  warning: number;
  info: number;
  hint: number;
}

/** The state of the workspace analysis and the problems it found, sent whenever they change (throttled). */
export interface WorkspaceStatus {
  state: ScanState;
  /** Files analysed so far in the current scan, and the files it will analyse in all. */
  done: number;
  total: number;
  /** Files the workspace analysis knows (analysed, skipped or open). */
  files: number;
  /** Problems in all files the server knows: open documents and analysed files on disk. */
  counts: SeverityCounts;
}

/** `steady/workspaceStatus`: the server tells the client the scan state and problem counts. */
export namespace WorkspaceStatusNotification {
  export const method = 'steady/workspaceStatus';
  export const type = new NotificationType<WorkspaceStatus>(method);
}
