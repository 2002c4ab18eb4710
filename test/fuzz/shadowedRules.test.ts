/**
 * Deep lint's shadowed rules never decide: on the fuzzer's random clusters, no flow between
 * endpoints, or between an endpoint and an outside address, on any of a spread of ports and
 * protocols, has a step at a rule that `findShadowedRules` reports (structural or given the
 * input). Brute force with the reference evaluator, every endpoint local (as lint prepares it).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadModel } from "../../src/model/loadModel.js";
import { evaluateFlow, prepareModel, type Flow, type FlowEnd, type Prepared, type Step, type Verdict } from "../../src/semantics/index.js";
import { findRedundant, withoutPolicy, withoutRule } from "../../src/semantics/lint/redundantRules.js";
import { findShadowedRules } from "../../src/semantics/lint/shadowedRules.js";
import { policySources } from "../../src/semantics/lint/policySources.js";
import { clusterArb, clusterYaml, HOST_V4, HOST_V6, OUTSIDE_V4, OUTSIDE_V6 } from "./randomCluster.js";
import { fuzzSeed } from "./settings.js";

/** Ports at and around the bounds the fuzzer's rules use. */
const PORTS = [0, 53, 79, 80, 81, 443, 4789, 8080, 9000, 40000, 65535];
/** TCP, UDP, SCTP, ICMP, ICMPv6, and a protocol without ports (GRE). */
const PROTOCOLS = [6, 17, 132, 1, 58, 47];

/** Every flow the brute force checks: endpoint and outside ends, each protocol and port. */
function* flowsOf(prepared: Prepared): Generator<Flow> {
  for (const family of [4, 6] as const) {
    const endpoints: FlowEnd[] = prepared.members.filter((m) => m.workload && m.nets.some((c) => c.family === family)).map((m) => ({ endpoint: m.id }));
    const outside: FlowEnd[] = (family === 4 ? [...OUTSIDE_V4, HOST_V4] : [...OUTSIDE_V6, HOST_V6]).map((ip) => ({ ip }));
    for (const src of [...endpoints, ...outside]) {
      for (const dst of [...endpoints, ...outside]) {
        if (src === dst || ("ip" in src && "ip" in dst)) continue;
        for (const protocol of PROTOCOLS) {
          const ports = protocol === 1 || protocol === 58 || protocol === 47 ? [undefined] : PORTS;
          for (const dstPort of ports) {
            yield {
              family,
              src,
              dst,
              protocol,
              ...(dstPort !== undefined ? { dstPort, srcPort: 40000 } : {}),
              ...(protocol === 1 || protocol === 58 ? { icmpType: 8, icmpCode: 0 } : {}),
            };
          }
        }
      }
    }
  }
}

/** The verdict, or undefined for a flow the evaluator refuses (an address two endpoints share). */
function verdictOf(prepared: Prepared, flow: Flow): Verdict | undefined {
  try {
    return evaluateFlow(prepared, flow);
  } catch {
    return undefined;
  }
}

const ruleKey = (file: string, kind: string, policy: string, path: string): string => `${file}\u0000${kind}\u0000${policy}\u0000${path}`;

function ruleSteps(v: Verdict): Step[] {
  return [...(v.egress?.steps ?? []), ...(v.ingress?.steps ?? [])].filter((s) => s.kind === "rule");
}

describe("deep lint: shadowed rules", () => {
  it("never decide (nor match) any flow (random clusters, brute force)", { timeout: 300_000 }, () => {
    let clustersWithFindings = 0;
    let structural = 0;
    let flows = 0;
    fc.assert(
      fc.property(clusterArb(6, 8), (cluster) => {
        const loaded = loadModel([{ path: "fuzz.yaml", text: clusterYaml(cluster) }]);
        if (loaded.diagnostics.some((d) => d.severity === "error")) return;
        const prepared = prepareModel(loaded.model);
        const shadowed = findShadowedRules(prepared, policySources(loaded.model));
        if (shadowed.length === 0) return;
        clustersWithFindings++;
        structural += shadowed.filter((s) => s.certainty === "structural").length;
        const keys = new Map(shadowed.map((s) => [ruleKey(s.policy.file, s.policy.kind, s.policy.display, s.rule.path), s]));
        for (const flow of flowsOf(prepared)) {
          const verdict = verdictOf(prepared, flow);
          if (!verdict) continue;
          flows++;
          for (const step of ruleSteps(verdict)) {
            if (step.kind !== "rule") continue;
            const hit = keys.get(ruleKey(step.file, step.policyKind, step.policy, step.path));
            expect(hit, `${JSON.stringify(flow)} reached a rule reported shadowed by ${hit?.by.policy.display} ${hit?.by.rule.path}\n${clusterYaml(cluster)}`).toBeUndefined();
          }
        }
      }),
      { seed: fuzzSeed(), numRuns: Number(process.env.SHADOW_RUNS ?? 100), endOnFailure: process.env.POLICYC_FUZZ_SHRINK === undefined },
    );
    // The property must have something to check.
    expect(clustersWithFindings).toBeGreaterThan(5);
    expect(structural).toBeGreaterThan(0);
    expect(flows).toBeGreaterThan(1000);
  });

  it("redundant rules and policies: removing one changes no verdict (random clusters, brute force)", { timeout: 300_000 }, () => {
    let findings = 0;
    fc.assert(
      fc.property(clusterArb(5, 6), (cluster) => {
        const loaded = loadModel([{ path: "fuzz.yaml", text: clusterYaml(cluster) }]);
        if (loaded.diagnostics.some((d) => d.severity === "error")) return;
        const prepared = prepareModel(loaded.model);
        const shadowed = new Set(findShadowedRules(prepared, policySources(loaded.model)).map((s) => s.rule));
        for (const found of findRedundant(prepared, shadowed, Infinity).found) {
          findings++;
          const without = found.kind === "policy" ? withoutPolicy(prepared, found.policy) : withoutRule(prepared, found.at);
          const what = found.kind === "policy" ? found.policy.display : `${found.at.policy.display} ${found.at.rule.path}`;
          for (const flow of flowsOf(prepared)) {
            const before = verdictOf(prepared, flow);
            if (!before) continue;
            expect(verdictOf(without, flow)?.allowed, `removing ${what} changed ${JSON.stringify(flow)}\n${clusterYaml(cluster)}`).toBe(before.allowed);
          }
        }
      }),
      { seed: fuzzSeed(), numRuns: Number(process.env.REDUNDANT_RUNS ?? 30), endOnFailure: process.env.POLICYC_FUZZ_SHRINK === undefined },
    );
    expect(findings).toBeGreaterThan(0);
  });
});
