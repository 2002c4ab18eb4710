/**
 * Running the real tools for the kernel conformance suite: a promise wrapper around processes,
 * the check for root and the tools, and the names of the iptables binaries to use.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `cmd args`, feeding `input` on stdin; never rejects (a spawn failure is code 127). */
export function run(cmd: string, args: readonly string[], input?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (e) => resolve({ code: 127, stdout, stderr: stderr + String(e) }));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.on("error", () => {});
    child.stdin.end(input ?? "");
  });
}

/** Like `run`, but throws with the command's stderr when it exits non-zero. */
export async function runOk(cmd: string, args: readonly string[], input?: string): Promise<string> {
  const r = await run(cmd, args, input);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.code}):\n${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Runs a command inside a network namespace. */
export function inNetns(ns: string, cmd: string, args: readonly string[], input?: string): Promise<RunResult> {
  return run("ip", ["netns", "exec", ns, cmd, ...args], input);
}

/**
 * The iptables flavour: `nft` (the default `iptables-restore`, iptables-nft on Debian) or
 * `legacy`, chosen with POLICYC_E2E_IPTABLES=legacy.
 */
export function iptablesTools(): { readonly iptables: string; readonly ip6tables: string; readonly restore: string; readonly restore6: string } {
  const legacy = process.env["POLICYC_E2E_IPTABLES"] === "legacy";
  const suffix = legacy ? "-legacy" : "";
  return {
    iptables: `iptables${suffix}`,
    ip6tables: `ip6tables${suffix}`,
    restore: `iptables${suffix}-restore`,
    restore6: `ip6tables${suffix}-restore`,
  };
}

function hasCommand(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

let cached: { readonly ok: boolean; readonly reason: string } | undefined;

/**
 * Whether the real-kernel tests can run here: root, the tools (ip, iptables-restore,
 * ip6tables-restore, ipset, bash) and a network namespace can actually be made. `reason` says
 * what is missing. Checked once per process.
 */
export function kernelCheck(): { readonly ok: boolean; readonly reason: string } {
  if (cached) return cached;
  const tools = iptablesTools();
  const missing = ["ip", "bash", tools.restore, tools.restore6, tools.iptables, "ipset"].filter((t) => !hasCommand(t));
  if (typeof process.getuid !== "function" || process.getuid() !== 0) cached = { ok: false, reason: "not running as root" };
  else if (missing.length > 0) cached = { ok: false, reason: `missing tools: ${missing.join(", ")}` };
  else {
    const ns = `pcn-check-${randomBytes(3).toString("hex")}`;
    const made = spawnSync("ip", ["netns", "add", ns], { encoding: "utf8" });
    if (made.status === 0) spawnSync("ip", ["netns", "del", ns]);
    cached = made.status === 0 ? { ok: true, reason: "" } : { ok: false, reason: `cannot create a network namespace: ${made.stderr.trim()}` };
  }
  return cached;
}

/** True when the real-kernel tests can run (see `kernelCheck`). */
export function kernelAvailable(): boolean {
  return kernelCheck().ok;
}

/** True when iputils `ping` is installed (ICMP probes need it). */
export function pingAvailable(): boolean {
  return hasCommand("ping");
}

/** True when `nft` is installed (the nftables backend's output needs it). */
export function nftAvailable(): boolean {
  return hasCommand("nft");
}

/** Prints the loud banner shown when the kernel tests are skipped. */
export function warnKernelSkipped(what: string): void {
  const line = "!".repeat(78);
  console.warn(
    `\n${line}\n!!! SKIPPED: ${what}\n!!! reason: ${kernelCheck().reason}\n` +
      `!!! These tests need root, iproute2, iptables, ipset and network namespaces (see test/e2e/README.md).\n${line}\n`,
  );
}
