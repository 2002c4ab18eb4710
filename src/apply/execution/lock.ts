/**
 * Serializing applies: an exclusive lock on a lock file, held for the whole apply.
 *
 * Node has no flock(2), and a lock file made with O_EXCL goes stale when its holder dies, which
 * needs pid-based stale detection that is itself racy (two waiters may both decide the lock is
 * stale). So the lock is taken by `flock(1)` (util-linux, on every node) on a descriptor of ours:
 * we open the lock file and hand the descriptor to `flock -x -w <timeout> 3` as its fd 3. A
 * flock(2) lock belongs to the open file description, which the child shares with us, so the lock
 * stays held when flock exits, for as long as our descriptor is open (flock(1): "the lock is
 * applied to the file descriptor"). Releasing closes our descriptor; if this process dies, the
 * kernel closes it and releases the lock. Nothing can go stale, any other tool using flock(1) on
 * the same file is serialized with us, and taking the lock costs one short process (an apply is
 * made of a few; the agent takes the lock on every change).
 */
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";

/** The lock file used when none is given. */
export const DEFAULT_LOCK_PATH = "/run/policyc.lock";

/** Acquires the lock; resolves to a function releasing it. Rejects when it times out. */
export type Lock = () => Promise<() => Promise<void>>;

/** A lock that does nothing (unit tests with a fake Exec). */
export const noLock: Lock = () => Promise.resolve(() => Promise.resolve());

/** The flock(1)-based lock on `path`, waiting at most `timeoutSeconds`. */
export function fileLock(path: string = DEFAULT_LOCK_PATH, timeoutSeconds = 60): Lock {
  return () =>
    new Promise((resolve, reject) => {
      let fd: number;
      try {
        // Opened close-on-exec (libuv opens every file so): no other child inherits it.
        fd = openSync(path, "a");
      } catch (e) {
        reject(new Error(`cannot take the lock ${path}: ${e instanceof Error ? e.message : String(e)}`));
        return;
      }
      const child = spawn("flock", ["-x", "-w", String(timeoutSeconds), "3"], { stdio: ["ignore", "ignore", "pipe", fd] });
      let err = "";
      let settled = false;
      const fail = (why: string): void => {
        if (settled) return;
        settled = true;
        closeSync(fd);
        reject(new Error(why));
      };
      child.stderr?.on("data", (b: Buffer) => (err += b.toString()));
      child.on("error", (e) => fail(`cannot take the lock ${path}: flock: ${e.message}`));
      child.on("close", (code) => {
        if (code !== 0) {
          fail(`cannot take the lock ${path} within ${timeoutSeconds}s (flock exit ${code}${err.trim() === "" ? "" : `: ${err.trim()}`})`);
          return;
        }
        if (settled) return;
        settled = true;
        let released = false;
        resolve(() => {
          if (!released) {
            released = true;
            closeSync(fd);
          }
          return Promise.resolve();
        });
      });
    });
}
