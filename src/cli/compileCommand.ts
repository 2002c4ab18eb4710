import type { OutputFile } from "../backends/iptables/index.js";
import { renderIptables } from "../backends/iptables/index.js";
import { renderNftables } from "../backends/nftables/index.js";
import { printIr } from "../compiler/ir/print.js";
import { exitCodes, type Io } from "./io.js";
import { inputFlags, inputRequest } from "./commandInputs.js";
import { compileInputs } from "./compileInputs.js";
import { nonEmptyFlag, oneOf, parseCommandArgs } from "./parseCommandArgs.js";
import { writeFilesAtomically } from "./outputDir.js";
import { UsageError } from "./usageError.js";

/** What an apply on an empty node feeds each file to, in order (see `--dry-run`). */
const applyCommands: Readonly<Record<string, string>> = {
  "ipset.restore": "ipset restore",
  "iptables.rules": "iptables-restore --noflush",
  "ip6tables.rules": "ip6tables-restore --noflush",
  "ruleset.nft": "nft -f",
};

/**
 * `policyc compile [--node NAME] [--backend iptables|nftables] [--out DIR] [--dry-run] [--emit ir]
 * [--format text|json] [--allow-empty] [input flags] PATH...`
 */
export async function compileCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    node: { type: "string" },
    backend: { type: "string" },
    out: { type: "string" },
    "dry-run": { type: "boolean" },
    emit: { type: "string" },
    format: { type: "string" },
    "allow-empty": { type: "boolean" },
    ...inputFlags,
  });
  const backend = oneOf("backend", values.backend, ["iptables", "nftables"] as const, "iptables");
  const emit = oneOf("emit", values.emit, ["rules", "ir"] as const, "rules");
  const format = oneOf("format", values.format, ["text", "json"] as const, "text");
  if (values.out !== undefined && values["dry-run"]) throw new UsageError("--out and --dry-run exclude each other");
  const node = nonEmptyFlag("node", values.node);
  const out = nonEmptyFlag("out", values.out);

  const ir = compileInputs(inputRequest(values, positionals, io), node, values["allow-empty"] === true, io);
  if (ir === undefined) return exitCodes.invalidInput;

  const files: readonly OutputFile[] = emit === "ir" ? [{ path: "ir.txt", contents: printIr(ir) }] : backend === "nftables" ? renderNftables(ir) : renderIptables(ir);
  if (out !== undefined) {
    writeFilesAtomically(out, files);
    return exitCodes.ok;
  }
  if (format === "json") {
    io.stdout(`${JSON.stringify({ files: files.map((f) => ({ path: f.path, contents: f.contents })) }, null, 2)}\n`);
  } else {
    io.stdout(files.map((f) => section(f, values["dry-run"] === true)).join("\n"));
  }
  return exitCodes.ok;
}

function section(file: OutputFile, dryRun: boolean): string {
  const command = applyCommands[file.path];
  const header = dryRun && command ? `# ==> ${file.path}: ${command} < ${file.path} <==` : `# ==> ${file.path} <==`;
  return `${header}\n${file.contents}`;
}
