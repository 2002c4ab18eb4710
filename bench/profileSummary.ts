/**
 * `tsx bench/profileSummary.ts FILE.cpuprofile [N] [UNDER]`: the N (default 30) functions with the
 * most self time in a V8 CPU profile (from `node --cpu-prof`), and their total (inclusive) time.
 * With UNDER (a function name, e.g. compileModel), only samples with that function on the stack
 * count. Garbage collection samples have no stack: they count only without UNDER.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const [file, n, under] = process.argv.slice(2);
if (!file) {
  console.error("usage: profileSummary.ts FILE.cpuprofile [N]");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);

const label = (node: ProfileNode): string => {
  const f = node.callFrame;
  const where = f.url.replace(/^.*\/work\/main\//, "").replace(/^file:\/\//, "");
  return `${f.functionName || "(anonymous)"} ${where}:${f.lineNumber + 1}`;
};

// Self time per sample's node; inclusive time once per distinct function on the sample's stack.
const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
profile.samples.forEach((id, i) => {
  const dt = (profile.timeDeltas[i] ?? 0) / 1000;
  const node = byId.get(id);
  if (!node) return;
  if (under !== undefined) {
    let cur: number | undefined = id;
    while (cur !== undefined && byId.get(cur)?.callFrame.functionName !== under) cur = parent.get(cur);
    if (cur === undefined) return;
  }
  all += dt;
  const own = label(node);
  self.set(own, (self.get(own) ?? 0) + dt);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur)!);
    if (seen.has(l)) continue;
    seen.add(l);
    total.set(l, (total.get(l) ?? 0) + dt);
  }
});

console.log(`total ${Math.round(all)} ms`);
console.log("self ms  total ms  function");
for (const [l, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(n ?? 30))) {
  console.log(`${String(Math.round(ms)).padStart(7)}  ${String(Math.round(total.get(l) ?? 0)).padStart(8)}  ${l}`);
}
