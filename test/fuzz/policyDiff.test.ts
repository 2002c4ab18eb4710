/**
 * `policyDiff` is exact: on the fuzzer's random clusters and random changes to them (the
 * incremental compiler's recipes, modelChanges.ts), the flows it reports opened and closed are
 * exactly those whose verdict differs between the two versions, evaluating every pair of
 * endpoints present in both at ports around every bound, at ICMP types and codes and at
 * protocols around the fuzzer's (probePoints.ts) (brute force, `evaluateFlow`). The
 * changes' runs of ports, classes and their representative verdicts are checked too.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Protocol } from "../../src/model/types.js";
import { loadModel } from "../../src/model/loadModel.js";
import { affectedEndpoints } from "../../src/semantics/affectedEndpoints.js";
import { hasBit } from "../../src/semantics/bits.js";
import { ClassWalker } from "../../src/semantics/classReachability.js";
import { equivalenceClasses } from "../../src/semantics/equivalenceClasses.js";
import { evaluateFlow, policyDiff, prepareModel, type FlowSpan, type Prepared } from "../../src/semantics/index.js";
import { applyRecipe, type Doc, recipeArb } from "./modelChanges.js";
import { clusterArb, clusterYaml, FUZZ_NODE, type RandomCluster } from "./randomCluster.js";
import { nonPortPoints } from "./probePoints.js";
import { fuzzSeed } from "./settings.js";

const PROTOCOLS: readonly [Protocol, number][] = [
  ["TCP", 6],
  ["UDP", 17],
  ["SCTP", 132],
];

/** One packet the brute force tries: its fields, and whether a reported change covers it. */
interface Point {
  readonly label: string;
  readonly packet: { readonly protocol: number; readonly srcPort?: number; readonly dstPort?: number; readonly icmpType?: number; readonly icmpCode?: number };
  readonly in: (span: FlowSpan) => boolean;
}

/** Ports around the fuzzer's bounds (as in equivalenceClasses.test.ts), and the ends. */
const PORTS = [0, 1, 52, 53, 54, 79, 80, 81, 84, 85, 86, 90, 91, 442, 443, 444, 4788, 4789, 4790, 7999, 8000, 8080, 8081, 9000, 9001, 40000, 65535];

/** The kinds whose changes `affectedEndpoints` handles (v1 policies spell theirs in lower case). */
const POLICY_KINDS = new Set(["NetworkPolicy", "GlobalNetworkPolicy", "ClusterNetworkPolicy", "AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "policy", "Policy"]);

function keyOf(d: Doc): string {
  return `${d.kind} ${d.metadata.namespace ?? ""} ${d.metadata.name}`;
}

/** The documents after the recipes (an upsert replaces the document of the same kind, namespace and name). */
function changed(cluster: RandomCluster, recipes: readonly Parameters<typeof applyRecipe>[1][]): RandomCluster {
  let docs = cluster.resources as readonly Doc[];
  for (const recipe of recipes) {
    const change = applyRecipe(docs, recipe);
    if (!change) continue;
    if ("upsert" in change) {
      const key = keyOf(change.upsert);
      const at = docs.findIndex((d) => keyOf(d) === key);
      docs = at < 0 ? [...docs, change.upsert] : docs.map((d, i) => (i === at ? change.upsert : d));
    } else {
      docs = docs.filter((d) => d !== change.delete);
    }
  }
  return { ...cluster, resources: docs };
}

function prepared(cluster: RandomCluster, everyLocal: boolean): Prepared | undefined {
  const loaded = loadModel([{ path: "fuzz.yaml", text: clusterYaml(cluster) }]);
  if (loaded.diagnostics.some((d) => d.severity === "error")) return undefined;
  return prepareModel(loaded.model, everyLocal ? {} : { node: FUZZ_NODE });
}

/** With a copy of one pod in the same namespace with the same labels, so that some classes have two members. */
function withCopy(cluster: RandomCluster): RandomCluster {
  const pod = cluster.resources.find((r) => (r as Doc).kind === "Pod") as (Doc & { status: { podIPs: { ip: string }[] } }) | undefined;
  if (!pod) return cluster;
  const copy = { ...pod, metadata: { ...pod.metadata, name: `${pod.metadata.name}c` }, status: { podIPs: [{ ip: "10.0.0.200" }] } };
  return { ...cluster, resources: [...cluster.resources, copy] };
}

describe("policyDiff", () => {
  it("reports exactly the flows whose verdict changes (random clusters and changes, brute force)", { timeout: 300_000 }, () => {
    let compared = 0;
    let changes = 0;
    let otherChanges = 0;
    fc.assert(
      fc.property(clusterArb(6, 5), fc.array(recipeArb, { minLength: 1, maxLength: 3 }), fc.boolean(), (random, recipes, everyLocal) => {
        const oldCluster = withCopy(random);
        const before = prepared(oldCluster, everyLocal);
        const newCluster = changed(oldCluster, recipes);
        const after = prepared(newCluster, everyLocal);
        if (!before || !after) return;
        const what = `${clusterYaml(oldCluster)}\n=== after ===\n${clusterYaml(newCluster)}`;
        for (const family of [4, 6] as const) {
          const diff = policyDiff(before, after, { family });
          // The packets probed: ports around every bound of either version and the fixed list;
          // the family's ICMP at the fixed types and codes; the other protocols of the fixed list.
          const points: Point[] = [];
          for (const [name, number] of PROTOCOLS) {
            const set = new Set(PORTS);
            for (const p of [before, after]) {
              for (const i of equivalenceClasses(p, family).portIntervals(number)) {
                set.add(i.first);
                set.add(i.last);
              }
            }
            for (const port of [...set].sort((a, b) => a - b)) {
              points.push({ label: `${port}/${name}`, packet: { protocol: number, srcPort: 40000, dstPort: port }, in: (s) => s.kind === "ports" && s.protocol === name && s.first <= port && port <= s.last });
            }
          }
          for (const { label, packet, kind, key } of nonPortPoints(family)) {
            const keyOf = (p: FlowSpan["first"]): number => (typeof p === "number" ? p : p.type * 256 + p.code);
            points.push({ label, packet, in: (s) => s.kind === kind && keyOf(s.first) <= key && key <= keyOf(s.last) });
          }
          const reported = new Map<string, "open" | "close">();
          for (const c of diff.changes) {
            changes++;
            expect(c.before.allowed, what).toBe(c.change === "close");
            expect(c.after.allowed, what).toBe(c.change === "open");
            if (c.span.kind !== "ports") otherChanges++;
            for (const point of points) {
              if (!point.in(c.span)) continue;
              for (const src of c.from) {
                for (const dst of c.to) {
                  if (src === dst) continue;
                  const key = `${src} ${dst} ${point.label}`;
                  expect(reported.has(key), `${key} reported twice\n${what}`).toBe(false);
                  reported.set(key, c.change);
                }
              }
            }
          }
          const endpointsOf = (p: Prepared): string[] => p.members.filter((m) => m.workload && m.nets.some((n) => n.family === family)).map((m) => m.id);
          const inNew = new Set(endpointsOf(after));
          const common = endpointsOf(before).filter((id) => inNew.has(id));
          const expected = new Map<string, "open" | "close">();
          for (const point of points) {
            for (const src of common) {
              for (const dst of common) {
                if (src === dst) continue;
                const flow = { family, src: { endpoint: src }, dst: { endpoint: dst }, ...point.packet };
                const was = evaluateFlow(before, flow).allowed;
                const is = evaluateFlow(after, flow).allowed;
                compared++;
                if (was !== is) expected.set(`${src} ${dst} ${point.label}`, is ? "open" : "close");
              }
            }
          }
          expect(reported, what).toEqual(expected);
        }
      }),
      { seed: fuzzSeed(), numRuns: Number(process.env.DIFF_RUNS ?? 100), endOnFailure: process.env.POLICYC_FUZZ_SHRINK === undefined },
    );
    expect(compared).toBeGreaterThan(10_000);
    // The changes must actually change flows somewhere, or the test proves little; ICMP and the
    // protocols without ports too.
    expect(changes).toBeGreaterThan(50);
    expect(otherChanges).toBeGreaterThan(10);
  });

  it("walks again, between two port intervals, every class whose walk changes (ClassWalker.changesAt)", { timeout: 300_000 }, () => {
    let redone = 0;
    let kept = 0;
    fc.assert(
      fc.property(clusterArb(6, 5), fc.boolean(), (random, everyLocal) => {
        const p = prepared(withCopy(random), everyLocal);
        if (!p) return;
        for (const family of [4, 6] as const) {
          const classes = equivalenceClasses(p, family);
          const walker = new ClassWalker(p, classes, (m) => m.local);
          for (const [, number] of PROTOCOLS) {
            const intervals = classes.portIntervals(number);
            let walk = walker.probe({ protocol: number, srcPort: 40000, dstPort: 0 });
            const E = Array.from({ length: walker.size }, (_, c) => walker.egress(c, walk));
            const I = Array.from({ length: walker.size }, (_, c) => walker.ingress(c, walk));
            for (const interval of intervals.slice(1)) {
              // Every port where a walk could change starts an interval; check the interval's
              // start and the port just before it (the previous interval's end) alike.
              // A walker of its own at each port, so that what one caches cannot hide a change.
              const fresh = new ClassWalker(p, classes, (m) => m.local);
              walk = fresh.probe({ protocol: number, srcPort: 40000, dstPort: interval.first });
              const egressAgain = new Set(walker.changesAt("egress", number, interval.first));
              const ingressAgain = new Set(walker.changesAt("ingress", number, interval.first));
              for (let c = 0; c < walker.size; c++) {
                const e = fresh.egress(c, walk);
                const i = fresh.ingress(c, walk);
                const what = `${clusterYaml(random)}\nclass ${c} at ${interval.first}/${number}`;
                if (!egressAgain.has(c)) expect(e, `egress ${what}`).toEqual(E[c]);
                if (!ingressAgain.has(c)) expect(i, `ingress ${what}`).toEqual(I[c]);
                redone += Number(egressAgain.has(c)) + Number(ingressAgain.has(c));
                kept += Number(!egressAgain.has(c)) + Number(!ingressAgain.has(c));
                E[c] = e;
                I[c] = i;
              }
            }
          }
        }
      }),
      { seed: fuzzSeed(), numRuns: Number(process.env.DIFF_RUNS ?? 100), endOnFailure: process.env.POLICYC_FUZZ_SHRINK === undefined },
    );
    // Most walks must be kept, or the diff gains nothing.
    expect(kept).toBeGreaterThan(redone);
  });

  it("compares only the pairs a policy change can touch, with the same result as every pair (affectedEndpoints)", { timeout: 300_000 }, () => {
    let shortcut = 0;
    let changes = 0;
    // Most recipes change policies only (the shortcut's case); the rest check that it declines.
    const policyRecipe = recipeArb.filter((r) => (r.op === "upsert" && POLICY_KINDS.has((r.doc as Doc).kind)) || (r.op === "delete" && r.kind !== undefined && POLICY_KINDS.has(r.kind)));
    fc.assert(
      fc.property(clusterArb(6, 5), fc.array(fc.oneof({ weight: 4, arbitrary: policyRecipe }, { weight: 1, arbitrary: recipeArb }), { minLength: 1, maxLength: 2 }), fc.boolean(), (random, recipes, everyLocal) => {
        const oldCluster = withCopy(random);
        const before = prepared(oldCluster, everyLocal);
        const after = prepared(changed(oldCluster, recipes), everyLocal);
        if (!before || !after) return;
        const affected = affectedEndpoints(before, after);
        if (affected) shortcut++;
        const what = `${clusterYaml(oldCluster)}\n=== after ===\n${clusterYaml(changed(oldCluster, recipes))}`;
        for (const family of [4, 6] as const) {
          const full = policyDiff(before, after, { family, sweep: "full" });
          changes += full.changes.length;
          expect(policyDiff(before, after, { family, sweep: "affected" }), what).toEqual(full);
          expect(policyDiff(before, after, { family }), what).toEqual(full);
        }
        // An endpoint no changed policy selects keeps its verdicts in that direction.
        if (affected) {
          for (const m of before.members) {
            if (!m.workload || (hasBit(affected.egress, m.index) && hasBit(affected.ingress, m.index))) continue;
            for (const peer of before.members) {
              if (!peer.workload || peer === m) continue;
              for (const port of [53, 80, 443, 8080]) {
                const out = { family: 4 as const, src: { endpoint: m.id }, dst: { endpoint: peer.id }, protocol: 6, srcPort: 40000, dstPort: port };
                const into = { ...out, src: out.dst, dst: out.src };
                if (!hasBit(affected.egress, m.index)) expect(evaluateFlow(after, out).egress, what).toEqual(evaluateFlow(before, out).egress);
                if (!hasBit(affected.ingress, m.index)) expect(evaluateFlow(after, into).ingress, what).toEqual(evaluateFlow(before, into).ingress);
              }
            }
          }
        }
      }),
      { seed: fuzzSeed(), numRuns: Number(process.env.DIFF_RUNS ?? 150), endOnFailure: process.env.POLICYC_FUZZ_SHRINK === undefined },
    );
    // The shortcut must apply often, and the changes change flows, or the test proves little.
    expect(shortcut).toBeGreaterThan(40);
    expect(changes).toBeGreaterThan(50);
  });
});
