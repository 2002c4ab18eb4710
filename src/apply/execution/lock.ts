/**
 * Serializing applies: an exclusive lock on a lock file, held for the whole apply.
 *
 * Node has no flock(2), and a lock file made with O_EXCL goes stale when its holder dies, which
 * needs pid-based stale detection that is itself racy (two waiters may both decide the lock is
 * stale). So the lock is held by a small `flock(1)` child (util-linux, on every node):
 * `flock -w <timeout> <file> sh -c 'echo locked; exec cat'`. flock takes the kernel lock, the
 * shell says so, and `cat` keeps it held while it reads our end of a pipe. Releasing closes the
 * pipe; if this process dies, the kernel closes the pipe too, `cat` exits, and the lock is
 * released by the kernel. Nothing can go stale, and any other tool using flock(1) on the same
 * file is serialized with us as well.
 */
import { spawn } from "node:child_process";

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
      const child = spawn("flock", ["-x", "-w", String(timeoutSeconds), path, "sh", "-c", "echo locked; exec cat >/dev/null"], {
        stdio: ["pipe", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      let locked = false;
      const exited = new Promise<void>((done) => child.on("close", () => done()));
      child.stdin.on("error", () => {});
      child.stderr.on("data", (b: Buffer) => (err += b.toString()));
      child.on("error", (e) => reject(new Error(`cannot take the lock ${path}: flock: ${e.message}`)));
      child.on("close", (code) => {
        if (!locked) reject(new Error(`cannot take the lock ${path} within ${timeoutSeconds}s (flock exit ${code}${err.trim() === "" ? "" : `: ${err.trim()}`})`));
      });
      child.stdout.on("data", (b: Buffer) => {
        out += b.toString();
        if (!locked && out.includes("locked")) {
          locked = true;
          resolve(async () => {
            child.stdin.end();
            await exited;
          });
        }
      });
    });
}
