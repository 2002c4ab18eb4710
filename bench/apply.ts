/**
 * `tsx bench/apply.ts [S|L] [--backend iptables|nftables] [--mode nft|legacy]`: the one-change
 * apply against a full restore, on a real kernel in a throwaway network namespace (needs root,
 * iptables-nft or iptables-legacy, ipset, nft). `--mode` picks the iptables variant (nft).
 *
 * 1. Generate the cluster (bench/generateCluster.ts), compile it for the local node (base), and a
 *    variant with one policy's rule changed (a port of a policy that has a chain on this node)
 *    and one pod's label changed (a remote pod's `tier`, which peer selectors use).
 * 2. Apply base to an empty namespace (the initial full apply).
 * 3. One-change apply: variant, then base, then variant… (5 each way, 3 on L); report the median, the
 *    bytes fed to each tool and the split between reading the kernel, planning (the desired
 *    state and the plan: the apply's compile side) and writing. Four ways: as the CLI does (a
 *    ledger file, checked with cheap probes), reading the whole kernel every time
 *    (`--state-max-age 0`), and as an agent with its in-memory cache, given the IR delta (as the
 *    incremental compiler hands it over; `diffIr`, worked out before the clock starts) or not
 *    (then the applier compares the two IRs itself).
 * 4. Full restore: the backend's whole rendered output for the variant fed to the tools as
 *    `policyc compile` prints it (ipset restore + iptables-restore --noflush + ip6tables-restore
 *    --noflush, or nft -f), on the same node (5 runs, median).
 * Prints one JSON object. Figures only; nothing here asserts a time. BENCH_VERBOSE=1 also prints
 * each apply's notes and every tool call's time on stderr.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { dump } from "js-yaml";
import { apply, bytesPerTool, createApplyCache, fileLedgerStore, noLock, spawnExec, type ApplyCache, type ApplyOptions, type Exec, type IrChange, type LedgerStore } from "../src/apply/index.js";
import { renderIptables } from "../src/backends/iptables/index.js";
import { renderNftables } from "../src/backends/nftables/index.js";
import { compileModel } from "../src/compiler/compile.js";
import { diffIr } from "../src/compiler/ir/delta.js";
import type { Ir } from "../src/compiler/ir/types.js";
import { loadModel } from "../src/model/loadModel.js";
import { generateResources, localNode, shapes, type ClusterShape } from "./generateCluster.js";

const args = process.argv.slice(2);
const shape: ClusterShape = (shapes as Record<string, ClusterShape>)[args.find((a) => !a.startsWith("--")) ?? "L"] ?? shapes.L;
const backend = args.includes("nftables") ? "nftables" : "iptables";
/** Runs per measurement (median reported); fewer on L, where one run takes tens of seconds. */
const RUNS = shape.name === "L" ? 3 : 5;

type Resource = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: Record<string, unknown> };

function compile(resources: readonly object[]): Ir {
  const text = resources.map((doc) => dump(doc, { lineWidth: -1, noRefs: true })).join("---\n");
  return compileModel(loadModel([{ path: `bench/out/${shape.name}/cluster.yaml`, text }]).model, { node: localNode }).ir;
}

const t0 = performance.now();
const resources = generateResources(shape) as Resource[];
const base = compile(resources);
const compileMs = performance.now() - t0;

// One policy's rule: a Kubernetes policy with a chain on this node gets another port.
const chainNames = base.v4.tables.flatMap((t) => t.chains.map((c) => c.name));
const policy = resources.find((r) => r.kind === "NetworkPolicy" && r.metadata.name.startsWith("knp-") && chainNames.includes(`cali-pi-knp/${r.metadata.namespace}/${r.metadata.name}`));
if (policy === undefined) throw new Error("no Kubernetes policy with a chain on the local node");
const changedPolicy = structuredClone(policy);
const ingress = (changedPolicy.spec?.ingress as { ports: { port: number | string; protocol?: string }[] }[])[0];
ingress?.ports.push({ protocol: "TCP", port: 4242 });
// One pod's label: a remote pod that is in a `tier == "X"` selector set gets another tier.
const tierSet = base.v4.sets.find((set) => /tier == "(\w+)"/.test(set.comment) && set.members.length > 0);
const tierMatch = /tier == "(\w+)"/.exec(tierSet?.comment ?? "");
const member = new Set((tierSet?.members ?? []).map((m) => m.replace(/\/32$/, "")));
const pod = resources.find((r) => r.kind === "Pod" && (r.spec?.nodeName as string) !== localNode && r.metadata.labels?.tier === tierMatch?.[1] && member.has(String((r as { status?: { podIP?: string } }).status?.podIP)));
if (pod === undefined) throw new Error("no remote pod in a tier selector set");
const changedPod = structuredClone(pod);
const labels = changedPod.metadata.labels ?? {};
labels.tier = labels.tier === "queue" ? "cache" : "queue";
const variant = compile(resources.map((r) => (r === policy ? changedPolicy : r === pod ? changedPod : r)));

const ns = `policyc-bench-${randomBytes(4).toString("hex")}`;
const sh = (argv: readonly string[], input = ""): void => {
  const r = spawnSync(argv[0] ?? "", argv.slice(1), { input, encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
};
sh(["ip", "netns", "add", ns]);

/**
 * An Exec into the namespace that adds up the wall-clock time during which at least one reading
 * (or writing) tool runs: the applier runs its dumps concurrently, so summing each call's time
 * would count the overlap twice.
 */
function timedExec(): Exec & { readMs: number; writeMs: number } {
  const inner = spawnExec({ prefix: ["ip", "netns", "exec", ns] });
  const busy = { read: { running: 0, since: 0 }, write: { running: 0, since: 0 } };
  const exec = {
    readMs: 0,
    writeMs: 0,
    async run(argv: readonly string[], stdin?: string) {
      // The program past a leading `env NAME=value …` (iptables-legacy's tools run so, src/apply/execution/envExec.ts).
      const program = argv.find((word) => word !== "env" && !/^[A-Za-z_]\w*=/.test(word)) ?? "";
      const reads = ["save", "list", "-S", "--version"].some((word) => argv.includes(word)) || /save$|^readlink$|python3$/.test(program);
      const kind = reads ? "read" : "write";
      const b = busy[kind];
      if (b.running++ === 0) b.since = performance.now();
      const started = performance.now();
      try {
        return await inner.run(argv, stdin);
      } finally {
        if (process.env.BENCH_VERBOSE !== undefined) console.error(`  ${Math.round(performance.now() - started)} ms ${argv.slice(argv.indexOf(program), argv.indexOf(program) + 4).join(" ").slice(0, 60)}`);
        if (--b.running === 0) exec[kind === "read" ? "readMs" : "writeMs"] += performance.now() - b.since;
      }
    },
  };
  return exec;
}

const mode = args.includes("legacy") ? "legacy" : "nft";
const options: Partial<ApplyOptions> = backend === "nftables" ? { backend: "nftables" } : { backendMode: mode };

/** How the kernel state is known: read whole every time, the CLI's ledger file, or the agent's cache (with the IR deltas, or not). */
type Memory = { cache: ApplyCache; deltas?: boolean } | { ledger: LedgerStore } | Record<string, never>;

/** The deltas between base and variant, both ways, as an incremental compiler would hand them over. */
const deltas = new Map<Ir, IrChange>([
  [variant, { from: base, delta: diffIr(base, variant) }],
  [base, { from: variant, delta: diffIr(variant, base) }],
]);

async function timedApply(ir: Ir, memory: Memory = {}) {
  const exec = timedExec();
  const { deltas: withDeltas, ...kept } = { deltas: false, ...memory };
  const change = withDeltas ? deltas.get(ir) : undefined;
  const t = performance.now();
  const result = await apply(ir, { exec, lock: noLock, ...options, ...kept, ...(change === undefined ? {} : { delta: change }) });
  const ms = performance.now() - t;
  if (!result.ok || result.plan === undefined) throw new Error(result.error);
  if (process.env.BENCH_VERBOSE !== undefined) console.error(`${Math.round(ms)} ms: ${result.notes.join("; ")}`);
  return { ms, readMs: exec.readMs, writeMs: exec.writeMs, planMs: ms - exec.readMs - exec.writeMs, plan: result.plan };
}


function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.floor(s.length / 2)] ?? 0);
}

try {
  const initial = await timedApply(base);
  /** One-change applies, variant then back to base, RUNS times; the variant runs are kept. */
  const oneChange = async (memory: Memory): Promise<Awaited<ReturnType<typeof timedApply>>[]> => {
    await timedApply(base, memory);
    const runs: Awaited<ReturnType<typeof timedApply>>[] = [];
    for (let i = 0; i < RUNS; i++) {
      runs.push(await timedApply(variant, memory));
      await timedApply(base, memory);
    }
    return runs;
  };
  // Without any memory: every apply reads the whole kernel (`--state-max-age 0`).
  const wholeRuns = await oneChange({});
  // The CLI's way: a ledger file per namespace (ledger.ts, nftLedger.ts), checked with cheap probes.
  const ledgerDir = mkdtempSync(join(tmpdir(), "policyc-bench-ledger-"));
  const runs = await oneChange({ ledger: fileLedgerStore(ledgerDir) });
  rmSync(ledgerDir, { recursive: true, force: true });
  const one = runs[0];
  if (one === undefined) throw new Error("no run");
  console.error(JSON.stringify({ oneChangeMs: median(runs.map((r) => r.ms)), readMs: median(runs.map((r) => r.readMs)), writeMs: median(runs.map((r) => r.writeMs)), bytes: bytesPerTool(one.plan) }));
  // The agent's way: the kernel view is remembered in memory between applies (memory/cache.ts),
  // and each apply is given the IR delta (the first apply of the run has none to go with).
  const deltaRuns = await oneChange({ cache: createApplyCache(), deltas: true });
  const deltaMs = median(deltaRuns.map((r) => r.ms));
  // The same without the deltas: the applier compares the IRs itself.
  const agentRuns = await oneChange({ cache: createApplyCache() });
  const agentMs = median(agentRuns.map((r) => r.ms));

  // Full restore of the variant's whole rendered output, on the node holding base.
  const files = backend === "nftables" ? renderNftables(variant) : renderIptables(variant);
  const commands: Record<string, readonly string[]> = {
    "ipset.restore": ["ipset", "-exist", "restore"],
    "iptables.rules": [`iptables-${mode}-restore`, "--noflush"],
    "ip6tables.rules": [`ip6tables-${mode}-restore`, "--noflush"],
    "ruleset.nft": ["nft", "-f", "-"],
  };
  const fullMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    for (const f of files) sh(["ip", "netns", "exec", ns, ...(commands[f.path] ?? [])], f.contents);
    fullMs.push(performance.now() - t);
  }
  const fullBytes = Object.fromEntries(files.map((f) => [(commands[f.path] ?? [])[0] ?? f.path, Buffer.byteLength(f.contents)]));

  const rules = (ir: Ir): number => [ir.v4, ir.v6].reduce((n, f) => n + f.tables.reduce((m, t) => m + t.chains.reduce((k, c) => k + c.rules.length, 0), 0), 0);
  const members = (ir: Ir): number => [ir.v4, ir.v6].reduce((n, f) => n + f.sets.reduce((m, s) => m + s.members.length, 0), 0);
  const oneMs = median(runs.map((r) => r.ms));
  console.log(
    JSON.stringify(
      {
        shape: shape.name,
        backend,
        ...(backend === "iptables" ? { mode } : {}),
        compileMs: Math.round(compileMs),
        rules: rules(base),
        sets: base.v4.sets.length + base.v6.sets.length,
        setMembers: members(base),
        initialApply: { ms: Math.round(initial.ms), bytes: bytesPerTool(initial.plan) },
        oneChangeApply: {
          ms: oneMs,
          readMs: median(runs.map((r) => r.readMs)),
          planMs: median(runs.map((r) => r.planMs)),
          writeMs: median(runs.map((r) => r.writeMs)),
          bytes: bytesPerTool(one.plan),
          summary: one.plan.summary,
        },
        wholeReadApply: {
          ms: median(wholeRuns.map((r) => r.ms)),
          readMs: median(wholeRuns.map((r) => r.readMs)),
          planMs: median(wholeRuns.map((r) => r.planMs)),
          writeMs: median(wholeRuns.map((r) => r.writeMs)),
        },
        deltaApply: { ms: deltaMs, planMs: median(deltaRuns.map((r) => r.planMs)), writeMs: median(deltaRuns.map((r) => r.writeMs)), bytes: bytesPerTool(deltaRuns[0]?.plan ?? one.plan) },
        agentApply: { ms: agentMs, planMs: median(agentRuns.map((r) => r.planMs)), writeMs: median(agentRuns.map((r) => r.writeMs)), bytes: bytesPerTool(agentRuns[0]?.plan ?? one.plan) },
        fullRestore: { ms: median(fullMs), bytes: fullBytes },
        speedup: {
          cliApplyVsFullRestore: Math.round((median(fullMs) / oneMs) * 10) / 10,
          wholeReadApplyVsFullRestore: Math.round((median(fullMs) / median(wholeRuns.map((r) => r.ms))) * 10) / 10,
          deltaApplyVsFullRestore: Math.round((median(fullMs) / deltaMs) * 10) / 10,
          agentApplyVsFullRestore: Math.round((median(fullMs) / agentMs) * 10) / 10,
          writesOnlyVsFullRestore: Math.round((median(fullMs) / Math.max(1, median(runs.map((r) => r.writeMs)))) * 10) / 10,
        },
      },
      null,
      2,
    ),
  );
} finally {
  spawnSync("ip", ["netns", "delete", ns]);
}
