/**
 * `verifyInvariants` is exact: on the fuzzer's random clusters with random invariants, its verdict
 * and its counterexample (the smallest violating flow: source id, destination id, TCP < UDP < SCTP,
 * port) equal those of brute force, which evaluates every pair of endpoints at every port at and
 * around every bound the rules and the invariants use (`evaluateFlow`) and applies each
 * invariant's definition to each flow.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Invariant, InvariantPeer, InvariantPort } from "../../src/model/invariants.js";
import { loadModel } from "../../src/model/loadModel.js";
import { labelValue, selectorMatches } from "../../src/model/selector/index.js";
import { namespaceSelectorOf } from "../../src/semantics/effectiveSelector.js";
import { evaluateFlow, prepareModel, protocolNumber, verifyInvariants, VERIFY_PROTOCOLS, type FlowSpan, type Prepared, type PreparedMember, type Verdict, type VerifyResult } from "../../src/semantics/index.js";
import { bitIndexes, hasBit } from "../../src/semantics/bits.js";
import { classReachability, hasHostEndpoints, sweepPorts } from "../../src/semantics/classReachability.js";
import { factoredSweeper } from "../../src/semantics/verifySweep.js";
import { equivalenceClasses } from "../../src/semantics/equivalenceClasses.js";
import { INVARIANT_PORTS, invariantArb } from "./invariantArbs.js";
import { nonPortPoints } from "./probePoints.js";
import { clusterArb, clusterYaml, FUZZ_NODE, type RandomCluster } from "./randomCluster.js";
import { fuzzSeed } from "./settings.js";

/** Ports at and around every bound of the fuzzer's rules (as the class test) and of the invariants' ports. */
const RULE_PORTS = [0, 1, 52, 53, 54, 79, 80, 81, 84, 85, 86, 90, 91, 442, 443, 444, 4788, 4789, 4790, 7999, 8000, 8080, 8081, 9000, 9001, 40000, 65535];
const PORTS = [
  ...new Set([
    ...RULE_PORTS,
    ...INVARIANT_PORTS.flatMap((p) => ("port" in p ? [p.port - 1, p.port, p.port + 1, ...("endPort" in p ? [p.endPort, p.endPort + 1] : [])] : [])),
  ]),
].sort((a, b) => a - b);

interface PodDoc {
  readonly kind: string;
  readonly metadata: { readonly name: string };
  readonly status: { readonly podIPs: readonly { readonly ip: string }[] };
}

/** A copy of every pod (own name and addresses), so that classes have more than one member. */
function withCopies(cluster: RandomCluster): RandomCluster {
  const copies = cluster.resources
    .filter((r): r is PodDoc => (r as PodDoc).kind === "Pod")
    .map((pod, k) => ({
      ...pod,
      metadata: { ...pod.metadata, name: `${pod.metadata.name}c` },
      status: { podIPs: [{ ip: `10.0.0.${100 + k}` }, ...(pod.status.podIPs.length > 1 ? [{ ip: `fd00::${(100 + k).toString(16)}` }] : [])] },
    }));
  return { ...cluster, resources: [...cluster.resources, ...copies] };
}

/**
 * A random cluster (with copies, see withCopies) and invariant documents, loaded and prepared for
 * the fuzz node or every node; undefined when the input has errors.
 */
function loadRandom(random: RandomCluster, everyLocal: boolean, docs: readonly unknown[] = []) {
  const cluster = clusterYaml(withCopies(random));
  const text = docs.length === 0 ? cluster : `${cluster}---\n${docs.map((d) => JSON.stringify(d)).join("\n---\n")}\n`;
  const loaded = loadModel([{ path: "fuzz.yaml", text }]);
  if (loaded.diagnostics.some((d) => d.severity === "error")) return undefined;
  return { text, loaded, prepared: prepareModel(loaded.model, everyLocal ? {} : { node: FUZZ_NODE }) };
}

/** An invariant every allowed flow breaks. */
const NOTHING_REACHES = { apiVersion: "policyc.dev/v1alpha1", kind: "NeverReachInvariant", metadata: { name: "nothing-reaches" }, spec: { from: { selector: "all()" }, to: { selector: "all()" } } };

/**
 * A tier before every other whose policy denies TCP, UDP and SCTP to and from everything and
 * passes the rest on: what still breaks an invariant is ICMP or another protocol.
 */
const PORTS_DENIED = [
  { apiVersion: "projectcalico.org/v3", kind: "Tier", metadata: { name: "ports-denied" }, spec: { order: 1, defaultAction: "Pass" } },
  {
    apiVersion: "projectcalico.org/v3",
    kind: "GlobalNetworkPolicy",
    metadata: { name: "ports-denied.all" },
    spec: {
      tier: "ports-denied",
      selector: "all()",
      types: ["Ingress", "Egress"],
      ...Object.fromEntries(["ingress", "egress"].map((d) => [d, [...["TCP", "UDP", "SCTP"].map((protocol) => ({ action: "Deny", protocol })), { action: "Pass" }]])),
    },
  },
];

/** The property tests' run settings (VERIFY_RUNS scales them; POLICYC_FUZZ_SHRINK shrinks a failure). */
function runOptions() {
  return { seed: fuzzSeed(), numRuns: Number(process.env.VERIFY_RUNS ?? 100), endOnFailure: process.env.POLICYC_FUZZ_SHRINK === undefined };
}

function matches(peer: InvariantPeer | undefined, m: PreparedMember): boolean {
  if (!peer) return true;
  if (peer.namespaceSelector && !selectorMatches(namespaceSelectorOf(peer.namespaceSelector.ast), m.labels)) return false;
  return !peer.selector || selectorMatches(peer.selector.ast, m.labels);
}

function inPorts(ports: readonly InvariantPort[] | undefined, protocol: string, port: number): boolean {
  return ports === undefined || ports.some((p) => p.protocol === protocol && p.first <= port && port <= p.last);
}

/** The invariant's definition on one flow and its verdict: true when the flow breaks it. */
function breaks(inv: Invariant, src: PreparedMember, dst: PreparedMember, protocol: string, port: number, v: Verdict): boolean {
  if (!v.allowed) return false;
  switch (inv.kind) {
    case "IsolationInvariant": {
      const a = labelValue(src.labels, `pcns.${inv.tenantLabel}`);
      const b = labelValue(dst.labels, `pcns.${inv.tenantLabel}`);
      if (a === undefined || b === undefined || a === b) return false;
      return !inv.except.some((d) => matches(d.from, src) && matches(d.to, dst) && inPorts(d.ports, protocol, port));
    }
    case "NeverReachInvariant":
      return matches(inv.from, src) && matches(inv.to, dst) && inPorts(inv.ports, protocol, port);
    case "OnlyReachInvariant":
      return matches(inv.to, dst) && inPorts(inv.ports, protocol, port) && !inv.only.some((p) => matches(p, src));
    case "DefaultDenyInvariant": {
      const [at, direction] = inv.direction === "Ingress" ? [dst, v.ingress] : [src, v.egress];
      const last = direction?.steps.at(-1);
      return matches(inv.endpoints, at) && last?.kind === "profile" && last.action === "Allow";
    }
  }
}

/** Per invariant, the smallest breaking flow as "from to TCP 80" ("ICMP 8/0", "protocol 47"), or undefined. */
function bruteForce(prepared: Prepared, invariants: readonly Invariant[], family: 4 | 6): (string | undefined)[] {
  const endpoints = prepared.members.filter((m) => m.workload && m.nets.some((c) => c.family === family));
  const found: (string | undefined)[] = invariants.map(() => undefined);
  // Endpoints are in id order, protocols and ports in the counterexample order: the first hit is the smallest.
  for (const src of endpoints) {
    for (const dst of endpoints) {
      if (src === dst) continue;
      for (const protocol of VERIFY_PROTOCOLS) {
        for (const port of PORTS) {
          if (found.every((f) => f !== undefined)) return found;
          const v = evaluateFlow(prepared, { family, src: { endpoint: src.id }, dst: { endpoint: dst.id }, protocol: protocolNumber(protocol), srcPort: 40000, dstPort: port });
          invariants.forEach((inv, k) => {
            if (found[k] === undefined && breaks(inv, src, dst, protocol, port, v)) found[k] = `${src.id} ${dst.id} ${protocol} ${port}`;
          });
        }
      }
      // Then ICMP and the other protocols, which no invariant's ports name.
      for (const { label, packet } of nonPortPoints(family)) {
        if (found.every((f) => f !== undefined)) return found;
        const v = evaluateFlow(prepared, { family, src: { endpoint: src.id }, dst: { endpoint: dst.id }, ...packet });
        invariants.forEach((inv, k) => {
          if (found[k] === undefined && breaks(inv, src, dst, label, -1, v)) found[k] = `${src.id} ${dst.id} ${label}`;
        });
      }
    }
  }
  return found;
}

/** A counterexample's packet as the brute force labels it. */
function packetLabel(p: FlowSpan): string {
  if (p.kind === "ports") return `${p.protocol} ${p.first}`;
  if (p.kind === "icmp") return `${p.protocol} ${p.first.type}/${p.first.code}`;
  return `protocol ${p.first}`;
}

describe("verifyInvariants", () => {
  it("gives brute force's verdict and smallest counterexample (random clusters and invariants)", { timeout: 600_000 }, () => {
    let checked = 0;
    let violated = 0;
    let withoutPorts = 0;
    fc.assert(
      fc.property(clusterArb(6, 6), fc.array(invariantArb, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.boolean(), (random, docs, everyLocal, portsDenied) => {
        const input = loadRandom(random, everyLocal, [...docs, ...(portsDenied ? PORTS_DENIED : [])]);
        if (input === undefined) return;
        const { text, loaded, prepared } = input;
        const invariants = loaded.model.invariants ?? [];
        expect(invariants.length, text).toBe(docs.length);
        for (const family of [4, 6] as const) {
          const result = verifyInvariants(prepared, invariants, { family });
          const got = result.verdicts.map((v) => (v.counterexample ? `${v.counterexample.from} ${v.counterexample.to} ${packetLabel(v.counterexample.packet)}` : undefined));
          expect(got, `IPv${family}\n${text}`).toEqual(bruteForce(prepared, invariants, family));
          for (const v of result.verdicts) {
            expect(v.holds).toBe(v.counterexample === undefined);
            if (v.counterexample) expect(v.counterexample.verdict.allowed).toBe(true);
          }
          checked += invariants.length;
          violated += result.verdicts.filter((v) => !v.holds).length;
          withoutPorts += result.verdicts.filter((v) => v.counterexample !== undefined && v.counterexample.packet.kind !== "ports").length;
        }
      }),
      runOptions(),
    );
    // Both outcomes must occur often, or the test proves little.
    expect(violated).toBeGreaterThan(checked / 10);
    expect(checked - violated).toBeGreaterThan(checked / 10);
    // Some counterexamples must be ICMP or another protocol (only TCP, UDP and SCTP are probed at ports).
    expect(withoutPorts).toBeGreaterThan(5);
  });

  it("counts the same violations and counterexamples factored as class by class (random clusters without host endpoints)", { timeout: 600_000 }, () => {
    let factored = 0;
    fc.assert(
      fc.property(clusterArb(6, 6), fc.array(invariantArb, { minLength: 1, maxLength: 3 }), fc.boolean(), (random, docs, everyLocal) => {
        // Also one that forbids every flow, so that every change of a row changes its count (flips).
        const input = loadRandom(random, everyLocal, [...docs, NOTHING_REACHES]);
        if (input === undefined) return;
        const { text, loaded, prepared } = input;
        if (hasHostEndpoints(prepared)) return;
        const invariants = (loaded.model.invariants ?? []).filter((i) => i.kind !== "DefaultDenyInvariant");
        if (invariants.length === 0) return;
        for (const family of [4, 6] as const) {
          const summary = (r: VerifyResult): unknown => [r.classes, r.probes, r.verdicts.map((v) => [v.violations, v.counterexample && [v.counterexample.from, v.counterexample.to, v.counterexample.packet]])];
          const want = summary(verifyInvariants(prepared, invariants, { family, classByClass: true }));
          // Flipped rows bit by bit, and counted again whole.
          expect(summary(verifyInvariants(prepared, invariants, { family, recountAbove: Infinity })), `IPv${family}\n${text}`).toEqual(want);
          expect(summary(verifyInvariants(prepared, invariants, { family, recountAbove: 0 })), `IPv${family}\n${text}`).toEqual(want);
          factored++;
        }
      }),
      runOptions(),
    );
    expect(factored).toBeGreaterThan(20);
  });

  it("factored rows equal classReachability's at every interval, rows not walked again are the step before's with the flips, and blocks with one admitsId have one row (random clusters without host endpoints)", { timeout: 600_000 }, () => {
    let rows = 0;
    fc.assert(
      fc.property(clusterArb(6, 6), fc.boolean(), fc.constantFrom(40000, 53, 80), (random, everyLocal, srcPort) => {
        const prepared = loadRandom(random, everyLocal)?.prepared;
        if (prepared === undefined) return;
        if (hasHostEndpoints(prepared)) return;
        for (const family of [4, 6] as const) {
          const classes = equivalenceClasses(prepared, family);
          const sweeper = factoredSweeper(prepared, classes, srcPort, (m) => m.local);
          for (const protocol of [6, 17, 132]) {
            const starts = classes.portIntervals(protocol).map((i) => i.first);
            let previous: string[] | undefined;
            /** Per admitsId, its row: one row per number for the whole sweep. */
            const rowsById = new Map<number, string>();
            for (const step of sweeper.sweep(protocol, starts)) {
              const want = classReachability(prepared, classes, { protocol, srcPort, dstPort: step.first }, (m) => m.local);
              sweeper.groupBlock.forEach((b) => {
                const text = [...bitIndexes(step.admitsOf(b))].join(",");
                const id = step.admitsId(b);
                expect(rowsById.get(id) ?? text, `admitsId ${id} at ${protocol} ${step.first}`).toBe(text);
                rowsById.set(id, text);
              });
              // Blocks flipped to one number were flipped by the same classes.
              const flippedById = new Map<number, string>();
              for (const flip of step.flips) {
                const text = flip.walks.map((classes) => classes.join(",")).join(";");
                const id = step.admitsId(flip.block);
                expect(flippedById.get(id) ?? text, `flips to admitsId ${id} at ${protocol} ${step.first}`).toBe(text);
                flippedById.set(id, text);
              }
              const row = new Uint32Array((classes.endpoints.length + 31) >>> 5);
              const got = sweeper.groups.map((group, g) => {
                step.rowInto(g, row);
                const text = [...bitIndexes(row)].join(",");
                const parts = new Uint32Array(row.length);
                const e = step.egressOf(g);
                const a = step.admitsOf(sweeper.groupBlock[g]!);
                for (let i = 0; i < parts.length; i++) parts[i] = e[i]! & a[i]!;
                expect([...bitIndexes(parts)].join(",")).toBe(text);
                for (const f of group) expect(text, `${protocol} ${step.first} class ${f}\n${clusterYaml(random)}`).toBe([...bitIndexes(want.allowedFrom(f))].join(","));
                return text;
              });
              // A row not walked again is the step before's with its block's flips where the egress walk reaches.
              if (previous && step.rewalked !== "all") {
                const rewalked = step.rewalked;
                got.forEach((text, g) => {
                  if (rewalked.has(g)) return;
                  const want = new Set(previous![g] === "" ? [] : previous![g]!.split(",").map(Number));
                  for (const flip of step.flips) {
                    if (flip.block !== sweeper.groupBlock[g]) continue;
                    expect(sweeper.groupsOfBlock(flip.block)).toContain(g);
                    for (const classes of flip.walks) {
                      // A walk group's classes all flip the same way.
                      expect(new Set(classes.map((t) => step.admits(flip.block, t))).size).toBe(1);
                    }
                    for (const t of flip.walks.flat()) {
                      if (!hasBit(step.egressOf(g), t)) continue;
                      expect(want.has(t)).toBe(!step.admits(flip.block, t));
                      if (want.has(t)) want.delete(t);
                      else want.add(t);
                    }
                  }
                  expect(text).toBe([...want].sort((a, b) => a - b).join(","));
                });
              }
              previous = got;
              rows += got.length;
            }
          }
        }
      }),
      runOptions(),
    );
    expect(rows).toBeGreaterThan(1000);
  });

  it("sweeps ports with classReachability's matrix at every interval (random clusters)", { timeout: 600_000 }, () => {
    let rows = 0;
    fc.assert(
      fc.property(clusterArb(6, 6), fc.boolean(), fc.constantFrom(40000, 53, 80), (random, everyLocal, srcPort) => {
        const prepared = loadRandom(random, everyLocal)?.prepared;
        if (prepared === undefined) return;
        for (const family of [4, 6] as const) {
          const classes = equivalenceClasses(prepared, family);
          for (const protocol of [6, 17, 132]) {
            const starts = classes.portIntervals(protocol).map((i) => i.first);
            let previous: string[] | undefined;
            for (const step of sweepPorts(prepared, classes, protocol, starts, srcPort, (m) => m.local)) {
              const want = classReachability(prepared, classes, { protocol, srcPort, dstPort: step.first }, (m) => m.local);
              const got = classes.endpoints.map((_, f) => [...step.reach.allowedFrom(f)].join(","));
              expect(got, `${protocol} ${step.first}\n${clusterYaml(random)}`).toEqual(classes.endpoints.map((_, f) => [...want.allowedFrom(f)].join(",")));
              // A row that is not dirty is the row of the step before.
              if (previous && step.dirty !== "all") got.forEach((row, f) => (step.dirty as Set<number>).has(f) || expect(row).toBe(previous![f]));
              previous = got;
              rows += got.length;
            }
          }
        }
      }),
      runOptions(),
    );
    expect(rows).toBeGreaterThan(1000);
  });
});
