/** The rule registry: every rule Steady ships, as an explicit import list. Front ends hand it to the engine. */
import type { Rule } from '../engine/rule';
import closeGuardedByFlag from './go/close-guarded-by-flag';
import lockHeldOnReturn from './go/lock-held-on-return';
import recursiveLock from './go/recursive-lock';
import writeUnderRlock from './go/write-under-rlock';
import blockingCallUnderLock from './go/blocking-call-under-lock';
import responseBodyNotClosed from './go/response-body-not-closed';
import cleanupOfEscapingResource from './go/cleanup-of-escaping-resource';
import resourceNotClosed from './go/resource-not-closed';
import criticalErrorDiscarded from './go/critical-error-discarded';
import panicOnRecoverableError from './go/panic-on-recoverable-error';
import goroutineLoopWithoutExit from './go/goroutine-loop-without-exit';
import untrackedGoroutine from './go/untracked-goroutine';
import fatalExitSkipsCleanup from './go/fatal-exit-skips-cleanup';
import signalNotifyWithoutSigterm from './go/signal-notify-without-sigterm';
import cancelBeforeBodyRead from './go/cancel-before-body-read';
import blockingChanOpIgnoresCancel from './go/blocking-chan-op-ignores-cancel';
import contextCancelNotCalled from './go/context-cancel-not-called';
import peerKeyedMapWithoutEviction from './go/peer-keyed-map-without-eviction';
import httpWithoutTimeouts from './go/http-without-timeouts';
import uncheckedCloseOfWrittenFile from './go/unchecked-close-of-written-file';
import checkThenCreate from './go/check-then-create';
import nonAtomicFilePublish from './go/non-atomic-file-publish';
import unsafeFileModeOrLocation from './go/unsafe-file-mode-or-location';
import nonConstantTimeSecretCompare from './go/non-constant-time-secret-compare';
import tickerIntervalUnvalidated from './go/ticker-interval-unvalidated';
import mutateDuringIteration from './python/mutate-during-iteration';
import unsynchronizedSharedMutation from './python/unsynchronized-shared-mutation';
import lockAcquireWithoutFinally from './python/lock-acquire-without-finally';
import resourceNotClosedOnError from './python/resource-not-closed-on-error';
import silentBroadExcept from './python/silent-broad-except';
import hotRetryLoop from './python/hot-retry-loop';
import possiblyUnboundAfterExcept from './python/possibly-unbound-after-except';
import nonDaemonForeverThread from './python/non-daemon-forever-thread';
import noTerminationSignalHandler from './python/no-termination-signal-handler';
import unboundedQueue from './python/unbounded-queue';
import peerKeyedGrowthWithoutCap from './python/peer-keyed-growth-without-cap';
import accumulatingMutableDefault from './python/accumulating-mutable-default';
import networkCallWithoutTimeout from './python/network-call-without-timeout';
import subprocessWithoutCheckOrTimeout from './python/subprocess-without-check-or-timeout';
import checkThenActFilesystem from './python/check-then-act-filesystem';
import insecureTempOrMode from './python/insecure-temp-or-mode';
import unvalidatedConfigNumber from './python/unvalidated-config-number';

/** All rules, Go first, each language in code order. */
export const RULES: readonly Rule[] = [
  closeGuardedByFlag,
  lockHeldOnReturn,
  recursiveLock,
  writeUnderRlock,
  blockingCallUnderLock,
  responseBodyNotClosed,
  cleanupOfEscapingResource,
  resourceNotClosed,
  criticalErrorDiscarded,
  panicOnRecoverableError,
  goroutineLoopWithoutExit,
  untrackedGoroutine,
  fatalExitSkipsCleanup,
  signalNotifyWithoutSigterm,
  cancelBeforeBodyRead,
  blockingChanOpIgnoresCancel,
  contextCancelNotCalled,
  peerKeyedMapWithoutEviction,
  httpWithoutTimeouts,
  uncheckedCloseOfWrittenFile,
  checkThenCreate,
  nonAtomicFilePublish,
  unsafeFileModeOrLocation,
  nonConstantTimeSecretCompare,
  tickerIntervalUnvalidated,
  mutateDuringIteration,
  unsynchronizedSharedMutation,
  lockAcquireWithoutFinally,
  resourceNotClosedOnError,
  silentBroadExcept,
  hotRetryLoop,
  possiblyUnboundAfterExcept,
  nonDaemonForeverThread,
  noTerminationSignalHandler,
  unboundedQueue,
  peerKeyedGrowthWithoutCap,
  accumulatingMutableDefault,
  networkCallWithoutTimeout,
  subprocessWithoutCheckOrTimeout,
  checkThenActFilesystem,
  insecureTempOrMode,
  unvalidatedConfigNumber,
];

/** Finds a rule by code (`GO101`, any case) or name (`close-guarded-by-flag`). */
export function findRule(idOrName: string): Rule | undefined {
  const up = idOrName.toUpperCase();
  return RULES.find((r) => r.code === up || r.name === idOrName.toLowerCase());
}
