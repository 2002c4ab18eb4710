/**
 * Committing both iptables-legacy families at once, under one hold of the xtables lock.
 *
 * Every legacy iptables tool takes an exclusive flock(2) on `/run/xtables.lock` for each table
 * it writes (iptables-restore from its `*table` line to `COMMIT`, with `-w` waiting for it), so
 * an IPv4 and an IPv6 restore run one after the other even though they write different kernel
 * tables (x_tables keeps one table list and one mutex per family). On shape L each commit reads
 * and replaces a whole 56 MB table, about a second of CPU, so the second family waits as long
 * again. Felix once did what this module does: it took the xtables lock itself and shared one
 * hold between its per-table writers, "safe because each of our goroutines is accessing a
 * different iptables table, so they do not conflict" (felix/iptables/lock.go `SharedLock`, in
 * Calico's history before the file was dropped for iptables-restore's own `--wait`).
 *
 * Here the applier holds `/run/xtables.lock` (execution/lock.ts `fileLock`: flock(1) on our
 * descriptor) for the whole commit, rollback included, so no other xtables writer runs in
 * between, and runs each restore with `XTABLES_LOCKFILE` naming a lock file of its own, which
 * iptables 1.8.6 and later read instead of the default (iptables(8), ENVIRONMENT; the tools
 * still lock, just not against each other). Older tools, or a lock that cannot be taken within
 * the wait, keep the one-after-the-other commits with the tools' own locking.
 */
import { withEnv } from "./envExec.js";
import type { Exec } from "./exec.js";

/** The lock file of the legacy tools (iptables' XT_LOCK_NAME, `--with-xt-lock-name`'s default). */
export const XTABLES_LOCK_PATH = "/run/xtables.lock";

/** The lock file each of our restores takes while we hold the real one (never contended). */
export function privateLockPath(family: 4 | 6): string {
  return `/run/policyc-xtables-${family}.lock`;
}

/**
 * Whether `--version` output of an iptables-legacy restore tool names a version that reads
 * `XTABLES_LOCKFILE` (1.8.6 and later: the variable came with the lock rework of mid-2020, after
 * 1.8.5, whose xshared.c opens XT_LOCK_NAME unconditionally). Anything not recognised is no.
 * Output looks like `iptables-restore v1.8.9 (legacy)`.
 */
export function readsLockFileVariable(versionOutput: string): boolean {
  const m = /\bv(\d+)\.(\d+)\.(\d+)\b[^\n]*\(legacy\)/.exec(versionOutput);
  if (m === null) return false;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return major > 1 || (major === 1 && (minor > 8 || (minor === 8 && patch >= 6)));
}

/**
 * `exec`, running every program named in `lockFiles` (a restore binary → its private lock file)
 * with `XTABLES_LOCKFILE` set to that file (through env(1), envExec.ts); anything else as is.
 */
export function withLockFiles(exec: Exec, lockFiles: ReadonlyMap<string, string>): Exec {
  return withEnv(exec, (program) => {
    const lockFile = lockFiles.get(program);
    return lockFile === undefined ? [] : [`XTABLES_LOCKFILE=${lockFile}`];
  });
}
