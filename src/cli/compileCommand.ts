import { formatPlan, planForEmptyNode } from "../apply/index.js";
import type { OutputFile } from "../backends/iptables/index.js";
import { renderIptables } from "../backends/iptables/index.js";
import { renderNftables } from "../backends/nftables/index.js";
import { printIr } from "../compiler/ir/print.js";
import { exitCodes, type Io } from "./io.js";
import { inputFlags, inputRequest } from "./commandInputs.js";
import { compileInputs } from "./compileInputs.js";
import { hostInterfaceFlag, parseHostInterfaces } from "./hostInterfaceFlag.js";
import { nonEmptyFlag, oneOf, parseCommandArgs } from "./parseCommandArgs.js";
import { writeFilesAtomically } from "./outputDir.js";
import { UsageError } from "./usageError.js";

/**
 * `policyc compile [--node NAME] [--backend iptables|nftables] [--backend-mode legacy|nft]
 * [--out DIR] [--dry-run] [--emit ir] [--format text|json] [--allow-empty]
 * [--host-interface NAME=IP[,IP]]... [input flags] PATH...`
 *
 * `--dry-run` prints what `policyc apply --dry-run` prints on a node where nothing is written
 * yet: the applier's own planner run against an empty kernel view (`planForEmptyNode`), so the
 * two cannot disagree.
 */
export async function compileCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    node: { type: "string" },
    backend: { type: "string" },
    "backend-mode": { type: "string" },
    out: { type: "string" },
    "dry-run": { type: "boolean" },
    emit: { type: "string" },
    format: { type: "string" },
    "allow-empty": { type: "boolean" },
    ...hostInterfaceFlag,
    ...inputFlags,
  });
  const backend = oneOf("backend", values.backend, ["iptables", "nftables"] as const, "iptables");
  const hostInterfaces = parseHostInterfaces(values["host-interface"]);
  const emit = oneOf("emit", values.emit, ["rules", "ir"] as const, "rules");
  const format = oneOf("format", values.format, ["text", "json"] as const, "text");
  const mode = values["backend-mode"] === undefined ? undefined : oneOf("backend-mode", values["backend-mode"], ["legacy", "nft"] as const, "nft");
  const dryRun = values["dry-run"] === true;
  if (values.out !== undefined && dryRun) throw new UsageError("--out and --dry-run exclude each other");
  if (emit === "ir" && dryRun) throw new UsageError("--emit ir and --dry-run exclude each other: --dry-run prints the tools' input");
  const node = nonEmptyFlag("node", values.node);
  const out = nonEmptyFlag("out", values.out);

  const ir = compileInputs(inputRequest(values, positionals, io), node, values["allow-empty"] === true, io, hostInterfaces);
  if (ir === undefined) return exitCodes.invalidInput;

  if (dryRun) {
    const plan = planForEmptyNode(ir, { backend, ...(mode === undefined ? {} : { backendMode: mode }) });
    io.stdout(format === "json" ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
    return exitCodes.ok;
  }
  const files: readonly OutputFile[] = emit === "ir" ? [{ path: "ir.txt", contents: printIr(ir) }] : backend === "nftables" ? renderNftables(ir) : renderIptables(ir);
  if (out !== undefined) {
    writeFilesAtomically(out, files);
    return exitCodes.ok;
  }
  if (format === "json") {
    io.stdout(`${JSON.stringify({ files: files.map((f) => ({ path: f.path, contents: f.contents })) }, null, 2)}\n`);
  } else {
    io.stdout(files.map((f) => `# ==> ${f.path} <==\n${f.contents}`).join("\n"));
  }
  return exitCodes.ok;
}
