import { apply } from "../apply/apply.js";
import { formatPlan, formatSummary } from "../apply/formatPlan.js";
import { fileLock, DEFAULT_LOCK_PATH } from "../apply/lock.js";
import { exitCodes, type Io } from "./io.js";
import { compileInputs } from "./compileInputs.js";
import { oneOf, parseCommandArgs } from "./parseCommandArgs.js";

/**
 * `policyc apply --node NAME [--backend iptables|nftables] [--backend-mode legacy|nft]
 * [--dry-run] [--lock-file PATH] PATH...`: compile, then bring the kernel of the current network
 * namespace to that state. Exit 0 applied (or nothing to do), 1 invalid input, 2 usage, 3 a tool
 * failed (the node was left as it was).
 */
export async function applyCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    node: { type: "string" },
    backend: { type: "string" },
    "backend-mode": { type: "string" },
    "dry-run": { type: "boolean" },
    "lock-file": { type: "string" },
  });
  const backend = oneOf("backend", values.backend, ["iptables", "nftables"] as const, "iptables");
  const mode = values["backend-mode"] === undefined ? undefined : oneOf("backend-mode", values["backend-mode"], ["legacy", "nft"] as const, "legacy");

  const ir = compileInputs(positionals, values.node, io);
  if (ir === undefined) return exitCodes.invalidInput;

  const dryRun = values["dry-run"] === true;
  const result = await apply(ir, {
    backend,
    dryRun,
    lock: fileLock(values["lock-file"] ?? DEFAULT_LOCK_PATH),
    ...(mode === undefined ? {} : { backendMode: mode }),
  });
  for (const note of result.notes) io.stderr(`policyc apply: ${note}\n`);
  if (!result.ok) {
    io.stderr(`policyc apply: ${result.error ?? "failed"}\n`);
    return exitCodes.applyFailed;
  }
  const plan = result.plan;
  if (plan === undefined) return exitCodes.ok;
  if (dryRun) io.stdout(formatPlan(plan));
  else if (!result.changed) io.stdout("policyc apply: nothing to do, the kernel already matches\n");
  else io.stdout(`policyc apply: applied ${plan.steps.length} step(s):\n${formatSummary(plan.summary)}`);
  return exitCodes.ok;
}
