/**
 * A real-kernel test harness: throwaway network namespaces to load rendered rules into.
 *
 * Every namespace is `policyc-<random>` and has its own netfilter tables, nftables ruleset and
 * ipsets (ipsets are per network namespace since Linux 3.13), so tests never touch the host's
 * firewall and cannot see each other. Commands run synchronously; a test destroys its namespace
 * in `afterAll`/`finally`.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";

/** What a finished command returned. */
export interface CommandResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `argv` (no shell), feeding `stdin` if given. */
export function run(argv: readonly string[], stdin?: string): CommandResult {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error("run: empty argv");
  const result = spawnSync(command, args, { input: stdin ?? "", encoding: "utf8", timeout: 30_000 });
  return {
    status: result.status,
    stdout: result.stdout ?? "",
    stderr: result.error !== undefined ? String(result.error) : (result.stderr ?? ""),
  };
}

/** Like {@link run} but throws, with the command's stderr, unless it exits 0. */
export function runOk(argv: readonly string[], stdin?: string): string {
  const result = run(argv, stdin);
  if (result.status !== 0) {
    throw new Error(`${argv.join(" ")} exited ${result.status}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

/** Runs `argv` inside namespace `ns` (`ip netns exec`). */
export function runInNetns(ns: string, argv: readonly string[], stdin?: string): CommandResult {
  return run(["ip", "netns", "exec", ns, ...argv], stdin);
}

/** Like {@link runInNetns} but throws unless the command exits 0. */
export function runInNetnsOk(ns: string, argv: readonly string[], stdin?: string): string {
  return runOk(["ip", "netns", "exec", ns, ...argv], stdin);
}

/** Creates a fresh namespace `policyc-<random>` and returns its name. */
export function createNetns(): string {
  const name = `policyc-${randomBytes(6).toString("hex")}`;
  runOk(["ip", "netns", "add", name]);
  return name;
}

/** Deletes a namespace made by {@link createNetns}; its rules and sets go with it. */
export function destroyNetns(name: string): void {
  if (!name.startsWith("policyc-")) throw new Error(`refusing to delete namespace ${name}`);
  run(["ip", "netns", "delete", name]);
}

/** The tools the kernel tests need. */
export const REQUIRED_TOOLS = ["ip", "iptables-restore", "ip6tables-restore", "iptables-save", "ip6tables-save", "ipset", "nft"];

/** Whether the kernel tests can run here, and if not, why. */
export interface KernelAvailability {
  readonly available: boolean;
  readonly reason: string;
}

let cached: KernelAvailability | undefined;

function probe(): KernelAvailability {
  if (process.platform !== "linux") return { available: false, reason: `platform is ${process.platform}, not linux` };
  if (process.getuid?.() !== 0) return { available: false, reason: "not running as root" };
  const missing = REQUIRED_TOOLS.filter((tool) => run(["sh", "-c", `command -v ${tool}`]).status !== 0);
  if (missing.length > 0) return { available: false, reason: `missing tools: ${missing.join(", ")}` };
  try {
    destroyNetns(createNetns());
  } catch (e) {
    return { available: false, reason: `cannot create a network namespace: ${(e as Error).message}` };
  }
  return { available: true, reason: "" };
}

/** Root, Linux, the tools in {@link REQUIRED_TOOLS}, and a namespace can actually be created. */
export function kernelAvailability(): KernelAvailability {
  cached ??= probe();
  return cached;
}

/** Shorthand for `kernelAvailability().available`. */
export function kernelAvailable(): boolean {
  return kernelAvailability().available;
}

/**
 * Prints a loud banner when kernel tests are skipped, so a skipped run never looks like a pass.
 * Call at module level next to `describe.skipIf(!kernelAvailable())`.
 */
export function warnIfKernelUnavailable(suite: string): void {
  const { available, reason } = kernelAvailability();
  if (available) return;
  const line = "!".repeat(78);
  console.warn(`\n${line}\n!!! KERNEL TESTS SKIPPED: ${suite}\n!!! reason: ${reason}\n!!! These tests did NOT run; nothing was checked against a real kernel.\n${line}\n`);
}
