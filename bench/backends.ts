/**
 * `tsx bench/backends.ts [S|L]...`: the nftables backend against the iptables backend on the same
 * compiled input (the shape's model from bench/out/<shape>/model.json; run `npm run bench
 * compile-lib` or `measure.ts prepare` first). Prints one JSON line per shape with:
 * - the number of rules a new packet to a local endpoint is checked against before it reaches
 *   that endpoint's ingress chain (`cali-tw-…`), mean and max over the local endpoints: iptables
 *   walks the dispatch chains rule by rule; nft's dispatch is one verdict-map lookup;
 * - output size of each backend's files;
 * - the time to load each backend's output into a fresh network namespace (ipset restore +
 *   iptables-restore + ip6tables-restore, against nft -f), when run as root with the tools.
 * Figures only; nothing here asserts a time.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { renderIptables, type OutputFile } from "../src/backends/iptables/index.js";
import { renderNftables } from "../src/backends/nftables/index.js";
import { compileModel } from "../src/compiler/compile.js";
import type { Chain, FamilyIr, Rule } from "../src/compiler/ir/types.js";
import type { Model } from "../src/model/types.js";
import { localNode } from "./generateCluster.js";

const shapeNames = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["S", "L"];

for (const shape of shapeNames) {
  const model = JSON.parse(readFileSync(`bench/out/${shape}/model.json`, "utf8")) as Model;
  const { ir } = compileModel(model, { node: localNode });
  const iptables = renderIptables(ir);
  const nft = renderNftables(ir);
  const depth = dispatchDepth(ir.v4);
  console.log(
    JSON.stringify({
      shape,
      localEndpoints: depth.endpoints,
      rulesToEndpointChain: {
        iptables: { mean: round(depth.iptablesMean), max: depth.iptablesMax },
        nftables: { mean: round(depth.nftMean), max: depth.nftMax },
      },
      outputBytes: { iptables: bytes(iptables), nftables: bytes(nft) },
      loadMs: loadTimes(iptables, nft),
    }),
  );
}

/**
 * How many rules a new packet from outside is checked against, from the FORWARD hook rule to
 * the jump into each local endpoint's `cali-tw-` chain: the hook, the rules of `cali-FORWARD` up
 * to its `cali-to-wl-dispatch` jump, then in iptables every dispatch rule before the matching one
 * (root and child chain), in nft one vmap rule.
 */
function dispatchDepth(fam: FamilyIr) {
  const chains = new Map(fam.tables.find((t) => t.name === "filter")?.chains.map((c) => [c.name, c]) ?? []);
  const forward = chains.get("cali-FORWARD")?.rules ?? [];
  const toDispatch = 1 + forward.findIndex((r) => r.action.kind === "jump" && r.action.chain === "cali-to-wl-dispatch");
  const prefix = 1 + toDispatch;
  const depths: number[] = [];
  const walk = (chain: Chain | undefined, before: number): void => {
    chain?.rules.forEach((rule, i) => {
      const target = targetOf(rule);
      if (target?.startsWith("cali-tw-")) depths.push(before + i + 1);
      else if (target?.startsWith("cali-to-wl-dispatch-")) walk(chains.get(target), before + i + 1);
    });
  };
  walk(chains.get("cali-to-wl-dispatch"), prefix);
  const mean = depths.reduce((a, b) => a + b, 0) / Math.max(1, depths.length);
  return {
    endpoints: depths.length,
    iptablesMean: mean,
    iptablesMax: Math.max(0, ...depths),
    nftMean: depths.length > 0 ? prefix + 1 : 0,
    nftMax: depths.length > 0 ? prefix + 1 : 0,
  };
}

function targetOf(rule: Rule): string | undefined {
  return rule.action.kind === "goto" || rule.action.kind === "jump" ? rule.action.chain : undefined;
}

function bytes(files: readonly OutputFile[]): Record<string, number> {
  return Object.fromEntries(files.map((f) => [f.path, Buffer.byteLength(f.contents)]));
}

/** Loads each backend's output into a fresh netns and times it; null when not root or tools are missing. */
function loadTimes(iptables: readonly OutputFile[], nft: readonly OutputFile[]): { iptables: number; nftables: number } | null {
  const tools = ["ip", "ipset", "iptables-restore", "ip6tables-restore", "nft"];
  if (process.getuid?.() !== 0 || tools.some((t) => spawnSync("which", [t]).status !== 0)) return null;
  const commands: Record<string, readonly string[]> = {
    "ipset.restore": ["ipset", "restore"],
    "iptables.rules": ["iptables-restore", "--noflush"],
    "ip6tables.rules": ["ip6tables-restore", "--noflush"],
    "ruleset.nft": ["nft", "-f", "-"],
  };
  const time = (files: readonly OutputFile[]): number => {
    const ns = `policyc-bench-${randomBytes(4).toString("hex")}`;
    spawnSync("ip", ["netns", "add", ns]);
    try {
      const t = performance.now();
      for (const f of files) {
        const run = spawnSync("ip", ["netns", "exec", ns, ...(commands[f.path] ?? [])], { input: f.contents, maxBuffer: 1 << 30 });
        if (run.status !== 0) throw new Error(`${f.path}: ${run.stderr.toString().slice(0, 500)}`);
      }
      return Math.round(performance.now() - t);
    } finally {
      spawnSync("ip", ["netns", "del", ns]);
    }
  };
  return { iptables: time(iptables), nftables: time(nft) };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
