/**
 * The connectivity that SIG Network's conformance suite (kubernetes-sigs/network-policy-api
 * conformance/) expects, replayed on policyc: the same namespaces, pods and policies (written
 * here again, in this file's own form), the same sequence of policy changes, and every connection
 * the upstream tests try, TCP, UDP and SCTP, with its expected outcome. Both the reference
 * evaluator and the compiled IR (the interpreter, on the packet path the kernel takes) must give
 * that outcome. The kernel itself is exercised by the fixtures/conformance/cnp-* cases.
 *
 * Replayed (conformance/tests/):
 * - admin-network-policy-standard-gress-rules.go (CNPAdminTierGress, its cumulative rule swaps)
 *   and its baseline-tier twin baseline-admin-network-policy-standard-gress-rules.go;
 * - admin-network-policy-standard-integration.go (admin Pass handing over to NetworkPolicy, then
 *   to the baseline tier);
 * - admin-network-policy-standard-egress-inline-cidr-rules.go (networks peers, a namespace
 *   relabel, a rule prepended);
 * - admin-network-policy-standard-priority.go (a priority change reordering the admin tier).
 */
import { describe, expect, it } from "vitest";
import type { Flow } from "../../src/semantics/index.js";
import { evaluateFlow, formatVerdict } from "../../src/semantics/index.js";
import { compileYaml, irAllows } from "../fuzz/differential.js";

type Doc = Record<string, unknown>;
type Proto = "tcp" | "udp" | "sctp";

const HOUSES = { gryffindor: "harry-potter", slytherin: "draco-malfoy", hufflepuff: "cedric-diggory", ravenclaw: "luna-lovegood" } as const;
type House = keyof typeof HOUSES;
const nsOf = (house: string): string => `network-policy-conformance-${house}`;

/** The upstream cluster: a namespace per house with two pods each, named ports web (TCP 80) and dns (UDP 53). */
function cluster(namespaceLabels: Partial<Record<House, Record<string, string>>> = {}): Doc[] {
  const out: Doc[] = [];
  Object.entries(HOUSES).forEach(([house, pod], h) => {
    const labels = namespaceLabels[house as House] ?? { "conformance-house": house };
    out.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: nsOf(house), labels } });
    for (const i of [0, 1]) {
      out.push({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: `${pod}-${i}`, namespace: nsOf(house), labels: { "conformance-house": house } },
        spec: {
          nodeName: "node-1",
          containers: [
            { name: "web", ports: [{ name: "web", containerPort: 80, protocol: "TCP" }] },
            { name: "dns", ports: [{ name: "dns", containerPort: 53, protocol: "UDP" }] },
          ],
        },
        status: { podIP: `10.65.${h + 1}.${i + 1}` },
      });
    }
  });
  return out;
}

/** A namespaces peer selecting one house's namespace by its name label. */
const house = (h: House): Doc => ({ namespaces: { matchLabels: { "kubernetes.io/metadata.name": nsOf(h) } } });
const ports = (tcp: number, udp: number, sctp: number): Doc[] => [
  { tcp: { destinationPort: { number: tcp } } },
  { udp: { destinationPort: { number: udp } } },
  { sctp: { destinationPort: { number: sctp } } },
];
const rule = (name: string, action: string, dir: "from" | "to", peer: Doc, protocols?: Doc[]): Doc => ({ name, action, [dir]: [peer], ...(protocols ? { protocols } : {}) });

/**
 * The `gress-rules` policy of standard-gress-rules-combined.yaml, as rule lists to permute; the
 * baseline tier's version (baseline_tier/standard-gress-rules-combined.yaml) has no Pass rules.
 */
function gressRules(baseline = false): { egress: Doc[]; ingress: Doc[] } {
  if (baseline) {
    const noPass = (rules: Doc[]): Doc[] => rules.filter((r) => r["action"] !== "Pass");
    const admin = gressRules();
    return { egress: noPass(admin.egress), ingress: noPass(admin.ingress) };
  }
  return {
    egress: [
      rule("allow-to-ravenclaw-everything", "Accept", "to", house("ravenclaw")),
      rule("deny-to-ravenclaw-everything", "Deny", "to", house("ravenclaw")),
      rule("pass-to-ravenclaw-everything", "Pass", "to", house("ravenclaw")),
      rule("deny-to-slytherin-at-ports-80-53-9003", "Deny", "to", house("slytherin"), ports(80, 53, 9003)),
      rule("pass-to-slytherin-at-port-80-53-9003", "Pass", "to", house("slytherin"), ports(80, 53, 9003)),
      rule("allow-to-hufflepuff-at-ports-8080-5353-9003", "Accept", "to", house("hufflepuff"), ports(8080, 5353, 9003)),
      rule("deny-to-hufflepuff-everything-else", "Deny", "to", house("hufflepuff")),
    ],
    ingress: [
      rule("allow-from-ravenclaw-everything", "Accept", "from", house("ravenclaw")),
      rule("deny-from-ravenclaw-everything", "Deny", "from", house("ravenclaw")),
      rule("pass-from-ravenclaw-everything", "Pass", "from", house("ravenclaw")),
      rule("deny-from-slytherin-at-port-80-53-9003", "Deny", "from", house("slytherin"), ports(80, 53, 9003)),
      rule("pass-from-slytherin-at-port-80-53-9003", "Pass", "from", house("slytherin"), ports(80, 53, 9003)),
      rule("allow-from-hufflepuff-at-port-80-5353-9003", "Accept", "from", house("hufflepuff"), ports(80, 5353, 9003)),
      rule("deny-from-hufflepuff-everything-else", "Deny", "from", house("hufflepuff")),
    ],
  };
}

const cnp = (name: string, tier: string, priority: number, subject: House, rules: { egress: Doc[]; ingress: Doc[] }): Doc => ({
  apiVersion: "policy.networking.k8s.io/v1alpha2",
  kind: "ClusterNetworkPolicy",
  metadata: { name },
  spec: { tier, priority, subject: { namespaces: { matchLabels: { "conformance-house": subject } } }, ...rules },
});

/** One connection an upstream test tries: `from` and `to` as `<pod>` (`harry-potter-0`). */
type Poke = readonly [from: string, to: string, proto: Proto, port: number, allowed: boolean];

interface Stage {
  readonly name: string;
  /** Namespace labels other than the house's own. */
  readonly namespaceLabels?: Partial<Record<House, Record<string, string>>>;
  readonly policies: readonly Doc[];
  readonly pokes: readonly Poke[];
}

function endpointOf(pod: string): string {
  const entry = Object.entries(HOUSES).find(([, p]) => pod.startsWith(p))!;
  return `${nsOf(entry[0])}/${pod}`;
}

const PROTO: Readonly<Record<Proto, number>> = { tcp: 6, udp: 17, sctp: 132 };

function check(stages: readonly Stage[]): void {
  for (const stage of stages) {
    const text = [...cluster(stage.namespaceLabels), ...stage.policies].map((d) => JSON.stringify(d)).join("\n---\n");
    const c = compileYaml(text, "node-1");
    if (typeof c === "string") throw new Error(c);
    const failures: string[] = [];
    for (const [from, to, proto, port, allowed] of stage.pokes) {
      const flow: Flow = { family: 4, src: { endpoint: endpointOf(from) }, dst: { endpoint: endpointOf(to) }, protocol: PROTO[proto], srcPort: 40000, dstPort: port };
      const v = evaluateFlow(c.prepared, flow);
      const ir = irAllows(c, flow);
      if (v.allowed !== allowed || ir !== allowed) {
        failures.push(`${stage.name}: ${from} -> ${to} ${proto}/${port}: upstream ${allowed}, evaluator ${v.allowed}, IR ${ir}\n${formatVerdict(v)}`);
      }
    }
    expect(failures).toEqual([]);
  }
}

const swap = (list: Doc[], i: number, j: number): Doc[] => {
  const out = [...list];
  [out[i], out[j]] = [out[j]!, out[i]!];
  return out;
};

describe("upstream conformance: CNPAdminTierGress (standard-gress-rules-combined)", () => {
  it("gives every connection the upstream test tries its expected outcome, through the rule swaps", () => {
    const s0 = gressRules();
    // 'deny-gress': rules 0 and 1 swapped (Deny before Accept for ravenclaw).
    const s1 = { egress: swap(s0.egress, 0, 1), ingress: swap(s0.ingress, 0, 1) };
    // 'pass-gress': then rules 0 and 2 swapped (Pass first for ravenclaw).
    const s2 = { egress: swap(s1.egress, 0, 2), ingress: swap(s1.ingress, 0, 2) };
    // 'pass-gress at ports': then rules 3 and 4 swapped (Pass before Deny for slytherin).
    const s3 = { egress: swap(s2.egress, 3, 4), ingress: swap(s2.ingress, 3, 4) };
    const policy = (rules: { egress: Doc[]; ingress: Doc[] }) => [cnp("gress-rules", "Admin", 15, "gryffindor", rules)];
    check([
      ...allowAndDenyStages(policy(s0), policy(s1)),
      {
        name: "pass-gress",
        policies: policy(s2),
        pokes: [
          ["harry-potter-0", "luna-lovegood-0", "tcp", 80, true],
          ["harry-potter-0", "luna-lovegood-0", "udp", 5353, true],
          ["harry-potter-0", "luna-lovegood-0", "sctp", 9003, true],
          ["luna-lovegood-0", "harry-potter-0", "tcp", 80, true],
          ["luna-lovegood-1", "harry-potter-0", "udp", 53, true],
          ["luna-lovegood-1", "harry-potter-0", "sctp", 9003, true],
        ],
      },
      {
        name: "pass-gress at ports",
        policies: policy(s3),
        pokes: [
          ["harry-potter-0", "draco-malfoy-0", "tcp", 80, true],
          ["harry-potter-1", "draco-malfoy-0", "tcp", 8080, true],
          ["harry-potter-0", "draco-malfoy-0", "udp", 53, true],
          ["harry-potter-1", "draco-malfoy-0", "udp", 5353, true],
          ["harry-potter-0", "draco-malfoy-0", "sctp", 9003, true],
          ["harry-potter-1", "draco-malfoy-0", "sctp", 9005, true],
          ["draco-malfoy-0", "harry-potter-0", "tcp", 80, true],
          ["draco-malfoy-1", "harry-potter-0", "tcp", 8080, true],
          ["draco-malfoy-0", "harry-potter-0", "udp", 53, true],
          ["draco-malfoy-1", "harry-potter-0", "udp", 5353, true],
          ["draco-malfoy-0", "harry-potter-0", "sctp", 9003, true],
          ["draco-malfoy-1", "harry-potter-0", "sctp", 9005, true],
        ],
      },
    ]);
  });
});

/**
 * The first four parts of the gress tests, the same in both tiers (admin and baseline): Accept
 * before Deny (`initial`), then Deny before Accept for ravenclaw (`swapped`).
 */
function allowAndDenyStages(initial: readonly Doc[], swapped: readonly Doc[]): Stage[] {
  return [
    {
      name: "allow-gress",
      policies: initial,
      pokes: [
        ["harry-potter-0", "luna-lovegood-0", "tcp", 80, true],
        ["harry-potter-1", "luna-lovegood-0", "udp", 53, true],
        ["harry-potter-0", "luna-lovegood-0", "sctp", 9003, true],
        ["luna-lovegood-0", "harry-potter-0", "tcp", 80, true],
        ["luna-lovegood-1", "harry-potter-0", "udp", 53, true],
        ["luna-lovegood-1", "harry-potter-0", "sctp", 9003, true],
      ],
    },
    {
      name: "allow-gress at ports",
      policies: initial,
      pokes: [
        ["harry-potter-0", "cedric-diggory-1", "tcp", 8080, true],
        ["harry-potter-1", "cedric-diggory-1", "tcp", 80, false],
        ["harry-potter-0", "cedric-diggory-1", "udp", 5353, true],
        ["harry-potter-1", "cedric-diggory-1", "udp", 53, false],
        ["harry-potter-0", "cedric-diggory-1", "sctp", 9003, true],
        ["harry-potter-1", "cedric-diggory-1", "sctp", 9005, false],
        ["cedric-diggory-0", "harry-potter-1", "tcp", 80, true],
        ["cedric-diggory-1", "harry-potter-1", "tcp", 8080, false],
        ["cedric-diggory-0", "harry-potter-1", "udp", 5353, true],
        ["cedric-diggory-1", "harry-potter-1", "udp", 53, false],
        ["cedric-diggory-0", "harry-potter-1", "sctp", 9003, true],
        ["cedric-diggory-1", "harry-potter-1", "sctp", 9005, false],
      ],
    },
    {
      name: "deny-gress",
      policies: swapped,
      pokes: [
        ["harry-potter-0", "luna-lovegood-1", "tcp", 80, false],
        ["harry-potter-1", "luna-lovegood-1", "udp", 53, false],
        ["harry-potter-0", "luna-lovegood-1", "sctp", 9003, false],
        ["luna-lovegood-0", "harry-potter-1", "tcp", 80, false],
        ["luna-lovegood-1", "harry-potter-1", "udp", 53, false],
        ["luna-lovegood-1", "harry-potter-1", "sctp", 9003, false],
      ],
    },
    {
      name: "deny-gress at ports",
      policies: swapped,
      pokes: [
        ["harry-potter-0", "draco-malfoy-0", "tcp", 80, false],
        ["harry-potter-1", "draco-malfoy-0", "tcp", 8080, true],
        ["harry-potter-0", "draco-malfoy-0", "udp", 53, false],
        ["harry-potter-1", "draco-malfoy-0", "udp", 5353, true],
        ["harry-potter-0", "draco-malfoy-0", "sctp", 9003, false],
        ["harry-potter-1", "draco-malfoy-0", "sctp", 9005, true],
        ["draco-malfoy-0", "harry-potter-0", "tcp", 80, false],
        ["draco-malfoy-1", "harry-potter-0", "tcp", 8080, true],
        ["draco-malfoy-0", "harry-potter-0", "udp", 53, false],
        ["draco-malfoy-1", "harry-potter-0", "udp", 5353, true],
        ["draco-malfoy-0", "harry-potter-0", "sctp", 9003, false],
        ["draco-malfoy-1", "harry-potter-0", "sctp", 9005, true],
      ],
    },
  ];
}

describe("upstream conformance: CNPBaselineTierGress (baseline_tier/standard-gress-rules-combined)", () => {
  it("gives every connection the upstream test tries its expected outcome, before and after the rule swap", () => {
    const s0 = gressRules(true);
    const s1 = { egress: swap(s0.egress, 0, 1), ingress: swap(s0.ingress, 0, 1) };
    const policy = (rules: { egress: Doc[]; ingress: Doc[] }) => [cnp("default", "Baseline", 10, "gryffindor", rules)];
    check(allowAndDenyStages(policy(s0), policy(s1)));
  });
});

describe("upstream conformance: admin, NetworkPolicy and baseline together (standard-anp-np-banp)", () => {
  it("gives every connection the upstream test tries its expected outcome, through Pass and the NetworkPolicy's removal", () => {
    const slytherin = { namespaces: { matchLabels: { "conformance-house": "slytherin" } } };
    const admin = (ingress: string, egress: string): Doc =>
      cnp("pass-example", "Admin", 10, "gryffindor", {
        ingress: [{ name: "deny-all-ingress-from-slytherin", action: ingress, from: [slytherin] }],
        egress: [{ name: "deny-all-egress-to-slytherin", action: egress, to: [slytherin] }],
      });
    const np: Doc = {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "allow-gress-from-to-slytherin-to-gryffindor", namespace: nsOf("gryffindor") },
      spec: {
        podSelector: null,
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { "conformance-house": "slytherin" } } }] }],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { "conformance-house": "slytherin" } } }] }],
      },
    };
    const baseline = cnp("default", "Baseline", 10, "gryffindor", {
      ingress: [{ name: "deny-all-ingress-from-slytherin", action: "Deny", from: [slytherin] }],
      egress: [{ name: "deny-all-egress-to-slytherin", action: "Deny", to: [slytherin] }],
    });
    const into: Poke[] = [
      ["draco-malfoy-0", "harry-potter-0", "tcp", 80, false],
      ["draco-malfoy-1", "harry-potter-0", "tcp", 8080, false],
    ];
    const out: Poke[] = [
      ["harry-potter-0", "draco-malfoy-0", "tcp", 80, false],
      ["harry-potter-1", "draco-malfoy-0", "tcp", 8080, false],
    ];
    const allowed = (pokes: Poke[]): Poke[] => pokes.map(([a, b, p, n]) => [a, b, p, n, true] as const);
    check([
      { name: "admin Deny", policies: [admin("Deny", "Deny"), np, baseline], pokes: [...into, ...out] },
      { name: "admin Pass (ingress) to the NetworkPolicy", policies: [admin("Pass", "Deny"), np, baseline], pokes: allowed(into) },
      { name: "admin Pass (egress) to the NetworkPolicy", policies: [admin("Pass", "Pass"), np, baseline], pokes: allowed(out) },
      { name: "NetworkPolicy deleted: the baseline denies", policies: [admin("Pass", "Pass"), baseline], pokes: [...into, ...out] },
    ]);
  });
});

describe("upstream conformance: egress to networks (standard-egress-inline-cidr-rules)", () => {
  it("gives every connection the upstream test tries its expected outcome, through a namespace relabel and a new rule", () => {
    const gryffindorPods = { pods: { namespaceSelector: { matchLabels: { "conformance-house": "gryffindor" } }, podSelector: { matchLabels: { "conformance-house": "gryffindor" } } } };
    const egress = [
      { name: "allow-egress-to-slytherin", action: "Accept", to: [{ pods: { namespaceSelector: { matchLabels: { "conformance-house": "slytherin" } }, podSelector: { matchLabels: { "conformance-house": "slytherin" } } } }] },
      { name: "deny-egress-to-internet", action: "Deny", to: [{ networks: ["0.0.0.0/0", "::/0"] }] },
    ];
    const policy = (rules: Doc[]): Doc => ({
      apiVersion: "policy.networking.k8s.io/v1alpha2",
      kind: "ClusterNetworkPolicy",
      metadata: { name: "inline-cidr-as-peers-example" },
      spec: { tier: "Admin", priority: 85, subject: gryffindorPods, egress: rules },
    });
    // luna-lovegood-0 and cedric-diggory-0 (10.65.4.1 and 10.65.3.1 in this cluster).
    const toPodIps = { name: "allow-egress-to-specific-podIPs", action: "Accept", to: [{ networks: ["10.65.4.1/32", "10.65.3.1/32"] }] };
    const all = (to: string, allowed: boolean): Poke[] => [
      ["harry-potter-1", to, "tcp", 80, allowed],
      ["harry-potter-1", to, "udp", 53, allowed],
      ["harry-potter-1", to, "sctp", 9003, allowed],
    ];
    check([
      { name: "deny-egress", policies: [policy(egress)], pokes: [...all("luna-lovegood-0", false), ...all("cedric-diggory-0", false), ...all("draco-malfoy-0", true)] },
      {
        name: "slytherin's namespace relabelled",
        namespaceLabels: { slytherin: { "conformance-house": "denied-namespace-label" } },
        policies: [policy(egress)],
        pokes: all("draco-malfoy-0", false),
      },
      { name: "and back", policies: [policy(egress)], pokes: all("draco-malfoy-0", true) },
      { name: "allow-egress to pod addresses", policies: [policy([toPodIps, ...egress])], pokes: [...all("luna-lovegood-0", true), ...all("cedric-diggory-0", true)] },
    ]);
  });
});

describe("upstream conformance: priority (standard-priority-field)", () => {
  it("gives every connection the upstream test tries its expected outcome, before and after the priority change", () => {
    const podsOf = (h: House): Doc => ({ pods: { namespaceSelector: { matchLabels: { "conformance-house": h } }, podSelector: { matchLabels: { "conformance-house": h } } } });
    const policy = (name: string, tier: string, priority: number, action: string): Doc => ({
      apiVersion: "policy.networking.k8s.io/v1alpha2",
      kind: "ClusterNetworkPolicy",
      metadata: { name },
      spec: {
        tier,
        priority,
        subject: podsOf("gryffindor"),
        ingress: [{ name: `${action.toLowerCase()}-all-ingress-from-slytherin`, action, from: [podsOf("slytherin")] }],
        egress: [{ name: `${action.toLowerCase()}-all-egress-to-slytherin`, action, to: [podsOf("slytherin")] }],
      },
    });
    const policies = (passPriority: number): Doc[] => [
      policy("priority-50-example", "Admin", 50, "Deny"),
      policy("old-priority-60-new-priority-40-example", "Admin", passPriority, "Pass"),
      policy("default", "Baseline", 10, "Accept"),
    ];
    const pokes = (allowed: boolean): Poke[] => [
      ["draco-malfoy-0", "harry-potter-0", "tcp", 80, allowed],
      ["draco-malfoy-1", "harry-potter-0", "tcp", 8080, allowed],
      ["harry-potter-0", "draco-malfoy-0", "tcp", 80, allowed],
      ["harry-potter-1", "draco-malfoy-0", "tcp", 8080, allowed],
    ];
    check([
      { name: "Deny at 50 before Pass at 60", policies: policies(60), pokes: pokes(false) },
      { name: "Pass at 40 before Deny at 50: the baseline accepts", policies: policies(40), pokes: pokes(true) },
    ]);
  });
});
