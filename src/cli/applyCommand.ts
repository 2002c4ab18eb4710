import {
  apply,
  DEFAULT_LEDGER_MAX_AGE_MS,
  DEFAULT_LOCK_PATH,
  DEFAULT_STATE_DIR,
  fileLedgerStore,
  fileLock,
  formatPlan,
  formatSummary,
  readHostInterfaces,
  spawnExec,
} from "../apply/index.js";
import type { HostInterfaces } from "../calico/index.js";
import { needsHostInterfaces } from "../compiler/hostEndpoints.js";
import { exitCodes, type Io } from "./io.js";
import { inputFlags, inputRequest } from "./commandInputs.js";
import { compileLoaded, loadCompileInputs } from "./compileInputs.js";
import { UsageError } from "./usageError.js";
import { integerFlag, nonEmptyFlag, oneOf, parseCommandArgs } from "./parseCommandArgs.js";

/**
 * `policyc apply --node NAME [--backend iptables|nftables] [--backend-mode legacy|nft]
 * [--dry-run] [--lock-file PATH] [--state-dir DIR] [--state-max-age SECONDS] PATH...`: compile,
 * then bring the kernel of the current network namespace to that state. It keeps a ledger of
 * what it wrote in DIR (default /run/policyc) and trusts it, after cheap checks, for SECONDS
 * (default 90; 0 turns the ledger off and always reads the kernel whole).
 * Exit 0 applied (or nothing to do), 1 invalid input, 2 usage, 3 a tool failed (the node was
 * left as it was).
 */
export async function applyCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    node: { type: "string" },
    backend: { type: "string" },
    "backend-mode": { type: "string" },
    "dry-run": { type: "boolean" },
    "lock-file": { type: "string" },
    "state-dir": { type: "string" },
    "state-max-age": { type: "string" },
    "allow-empty": { type: "boolean" },
    ...inputFlags,
  });
  // Without --node every endpoint of the cluster would be treated as local to this node.
  const node = nonEmptyFlag("node", values.node);
  if (node === undefined) throw new UsageError("--node NAME is required: the node whose endpoints this kernel guards");
  const backend = oneOf("backend", values.backend, ["iptables", "nftables"] as const, "iptables");
  const mode = values["backend-mode"] === undefined ? undefined : oneOf("backend-mode", values["backend-mode"], ["legacy", "nft"] as const, "legacy");

  // At most a day: the ledger stands for the kernel only as long as nobody else changes it.
  const maxAge = integerFlag("state-max-age", values["state-max-age"], 0, 86_400, DEFAULT_LEDGER_MAX_AGE_MS / 1000);
  const lockFile = nonEmptyFlag("lock-file", values["lock-file"]);
  const stateDir = nonEmptyFlag("state-dir", values["state-dir"]);

  const loaded = loadCompileInputs(inputRequest(values, positionals, io), values["allow-empty"] === true, io);
  if (loaded === undefined) return exitCodes.invalidInput;
  // Host endpoints with only expectedIPs guard the interfaces of this namespace that hold them:
  // read them (only then, so that no other apply runs one more process).
  let hostInterfaces: HostInterfaces | undefined;
  if (needsHostInterfaces(loaded.model, node)) {
    try {
      hostInterfaces = await readHostInterfaces(spawnExec());
    } catch (e) {
      io.stderr(`policyc apply: ${e instanceof Error ? e.message : String(e)}\n`);
      return exitCodes.applyFailed;
    }
  }
  const ir = compileLoaded(loaded, node, io, hostInterfaces);
  if (ir === undefined) return exitCodes.invalidInput;

  const dryRun = values["dry-run"] === true;
  const result = await apply(ir, {
    backend,
    dryRun,
    lock: fileLock(lockFile ?? DEFAULT_LOCK_PATH),
    ...(maxAge === 0 ? {} : { ledger: fileLedgerStore(stateDir ?? DEFAULT_STATE_DIR), ledgerMaxAgeMs: maxAge * 1000 }),
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
