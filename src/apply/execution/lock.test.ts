import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { fileLock } from "./lock.js";
import { failedLine, stepError } from "./stepError.js";

const haveFlock = process.platform === "linux";

describe.skipIf(!haveFlock)("fileLock", () => {
  it("serializes holders: the second waits until the first releases", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "policyc-lock-")), "lock");
    const events: string[] = [];
    const holder = async (name: string, ms: number): Promise<void> => {
      const release = await fileLock(path, 10)();
      events.push(`${name} in`);
      await new Promise((r) => setTimeout(r, ms));
      events.push(`${name} out`);
      await release();
    };
    await Promise.all([holder("a", 150), new Promise((r) => setTimeout(r, 30)).then(() => holder("b", 10))]);
    expect(events).toEqual(["a in", "a out", "b in", "b out"]);
  });
  it("gives up after its timeout with a clear error", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "policyc-lock-")), "lock");
    const release = await fileLock(path, 5)();
    await expect(fileLock(path, 0)()).rejects.toThrow(/cannot take the lock/);
    await release();
  });
  it("is the lock other flock(1) users of the file see, held until released", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "policyc-lock-")), "lock");
    const release = await fileLock(path, 5)();
    expect(spawnSync("flock", ["-n", path, "true"]).status).toBe(1);
    await release();
    expect(spawnSync("flock", ["-n", path, "true"]).status).toBe(0);
  });
  it("is released when its holder dies without releasing it", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "policyc-lock-")), "lock");
    const module = fileURLToPath(new URL("./lock.ts", import.meta.url));
    const script = `import { fileLock } from ${JSON.stringify(module)}; await fileLock(${JSON.stringify(path)}, 5)(); console.log("held"); setInterval(() => {}, 1000);`;
    const holder = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => holder.stdout.on("data", (b: Buffer) => b.toString().includes("held") && resolve()));
    expect(spawnSync("flock", ["-n", path, "true"]).status).toBe(1);
    holder.kill("SIGKILL");
    await new Promise((r) => holder.on("close", r));
    const release = await fileLock(path, 5)();
    await release();
  });
  it("says why when the lock file cannot be opened", async () => {
    await expect(fileLock("/nonexistent-policyc-dir/lock", 1)()).rejects.toThrow(/cannot take the lock \/nonexistent-policyc-dir\/lock: .*ENOENT/);
  });
});

describe("stepError", () => {
  it.each([
    ["iptables-restore v1.8.9 (nf_tables): Set nosuch doesn't exist.\n\nError occurred at line: 3\n", 3],
    ["ipset v7.17: Error in line 2: The set with the given name does not exist\n", 2],
    ["/dev/stdin:4:1-5: Error: syntax error\n", 4],
    ["iptables-restore: line 7 failed\n", 7],
    ["something else\n", undefined],
  ])("finds the blamed line in %j", (stderr, line) => expect(failedLine(stderr)).toBe(line));
  it("names the tool, the line and its text", () => {
    const e = stepError("ipset", ["ipset", "restore"], { code: 1, stderr: "ipset v7.17: Error in line 2: The set with the given name does not exist\n" }, "create a hash:net\nadd b 1.1.1.1\n");
    expect(e.message).toBe("ipset: `ipset restore` failed (exit 1) at line 2 of its input: add b 1.1.1.1\n  ipset v7.17: Error in line 2: The set with the given name does not exist");
  });
});
