/**
 * The host side of IP pools and nodes on a real kernel (fixtures/host-side/, see hostSide.ts):
 * NAT outgoing, and IPIP and VXLAN accepted only from known nodes, on both backends, through
 * `compile` and through `apply`. Skipped loudly without root, the tools or python3.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { selectedBackends } from "./conformance.js";
import { HOST_SIDE_DIR, hostSideCases, runHostSideCase, type Via } from "./hostSide.js";
import { kernelAvailable, warnKernelSkipped } from "./kernel.js";

function python3Available(): boolean {
  try {
    execFileSync("python3", ["-c", "import socket"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const SUITE = "host side on a real kernel (fixtures/host-side)";
const kernel = kernelAvailable();
const python = python3Available();
if (!kernel) warnKernelSkipped(SUITE);
else if (!python) warnKernelSkipped(`${SUITE}: python3 is missing (IPIP packets are made with a raw socket)`);

describe.skipIf(!kernel || !python)(SUITE, () => {
  const runs = selectedBackends().flatMap((backend) => (["compile", "apply"] as Via[]).flatMap((via) => hostSideCases().map((name) => [name, backend, via] as const)));
  it.concurrent.for(runs)("%s [%s, %s]", { timeout: 300_000 }, async ([name, backend, via]) => {
    const mismatches = await runHostSideCase(`${HOST_SIDE_DIR}/${name}`, backend, via);
    expect(mismatches, `\n${mismatches.join("\n")}\n`).toEqual([]);
  });
});
