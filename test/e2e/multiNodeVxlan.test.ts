/**
 * The three-node cluster of multiNode.ts in Calico's VXLAN mode (every pod packet between nodes
 * is encapsulated in UDP 4789 over the fabric), with the agents on the nftables backend: the
 * connectivity cases of multiNode.test.ts again, over real encapsulated traffic, and a rule deleted
 * by hand with `nft delete rule` coming back within the resync interval.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inNetns } from "./kernel.js";
import {
  multiNodeAvailability,
  NAMESPACES,
  NODES,
  pod,
  podDoc,
  PODS,
  startCluster,
  tunnelAddress,
  verdicts,
  vxlanRxPackets,
  VXLAN_DEVICE,
  waitForVerdicts,
  waitUntil,
  warnMultiNodeSkipped,
  type Doc,
  type RunningCluster,
  type Verdict,
} from "./multiNode.js";
import { DB_FROM_API, labGuard, TOOL_EGRESS } from "./multiNodePolicies.js";

const SUITE = "multi-node cluster, VXLAN routing, nftables agents (test/e2e/multiNodeVxlan.test.ts)";
const available = multiNodeAvailability("nftables");
if (!available.ok) warnMultiNodeSkipped(SUITE, available.reason);

const RESYNC_SECONDS = 2;

describe.skipIf(!available.ok)(SUITE, () => {
  let c: RunningCluster;
  const timings: string[] = [];

  beforeAll(async () => {
    c = await startCluster({ mode: "vxlan", nodes: NODES, pods: PODS, backend: "nftables", resyncSeconds: RESYNC_SECONDS, initial: [...NAMESPACES, ...PODS.map(podDoc)] });
  }, 120_000);

  afterAll(async () => {
    if (timings.length > 0) console.log(`${SUITE}\n  ${timings.join("\n  ")}`);
    await c?.teardown();
  }, 60_000);

  const expectVerdicts = async (label: string, table: readonly Verdict[]): Promise<void> => {
    const ms = await waitForVerdicts(c.probers, table, label, { context: () => c.logs() });
    timings.push(`${label}: ${ms} ms`);
  };
  const apply = (...docs: Doc[]): Promise<void> => c.apply(docs);
  const remove = (...docs: Doc[]): Promise<void> => c.delete(docs);

  it("pods reach each other across nodes only through the VXLAN tunnel", async () => {
    for (const [from, to] of [["node-1", "node-2"], ["node-2", "node-3"], ["node-3", "node-1"]] as const) {
      const route = await inNetns(c.cluster.names.node(from), "ip", ["route", "get", pod(to === "node-2" ? "shop/db" : to === "node-3" ? "lab/tool" : "shop/api").ip]);
      expect(route.stdout).toContain(`via ${tunnelAddress(to)} dev ${VXLAN_DEVICE}`);
    }
    const before = await Promise.all(NODES.map((n) => vxlanRxPackets(c.cluster.names.node(n))));
    await expectVerdicts(
      "no policy",
      verdicts(`
        shop/api   -> shop/db   tcp/80,tcp/8080,udp/53 allow   # node-1 -> node-2
        shop/db    -> shop/cache tcp/80,udp/53 allow           # node-2 -> node-3
        lab/tool   -> lab/probe tcp/8080 allow                 # node-3 -> node-1
      `),
    );
    const after = await Promise.all(NODES.map((n) => vxlanRxPackets(c.cluster.names.node(n))));
    // Every node decapsulated packets of the probes (requests or replies).
    NODES.forEach((n, i) => expect(after[i]!, `${n}'s ${VXLAN_DEVICE} received nothing`).toBeGreaterThan(before[i]!));
  });

  it("cross-node ingress and egress policies", async () => {
    await apply(DB_FROM_API, TOOL_EGRESS);
    await expectVerdicts(
      "db-from-api and tool-egress added",
      verdicts(`
        shop/api   -> shop/db tcp/8080 allow    # node-1 -> node-2: the allowed peer and port
        shop/api   -> shop/db tcp/80,udp/53 deny
        shop/cache -> shop/db tcp/8080 deny     # node-3 -> node-2: not app=api
        lab/probe  -> shop/db tcp/8080 deny     # another namespace
        lab/tool   -> shop/web tcp/80 allow     # node-3 -> node-2: tool's allowed destination
        lab/tool   -> shop/web tcp/8080 deny
        lab/tool   -> shop/api tcp/80 deny      # node-3 -> node-1: not app=web
        lab/tool   -> shop/api udp/53 allow
        lab/probe  -> lab/tool tcp/80 allow     # egress only
      `),
    );
  });

  it("a label change on node-3 flips access to node-2", async () => {
    await apply(podDoc({ ...pod("shop/cache"), labels: { app: "api" } }));
    await expectVerdicts(
      "shop/cache relabelled app=api",
      verdicts(`
        shop/cache -> shop/db tcp/8080 allow
        shop/cache -> shop/db tcp/80 deny
      `),
    );
    await apply(podDoc(pod("shop/cache")));
    await expectVerdicts("shop/cache relabelled back", verdicts(`shop/cache -> shop/db tcp/8080 deny`));
  });

  it("an nftables rule deleted by hand comes back within the resync interval", async () => {
    const node = c.cluster.names.node("node-2");
    // Counters dropped: a rule put back starts from zero.
    const list = async (): Promise<string> => (await inNetns(node, "nft", ["-a", "list", "table", "ip", "policyc"])).stdout.replace(/counter packets \d+ bytes \d+/g, "counter");
    // db-from-api's rule: it accepts app=api's set on TCP 8080.
    const lines = (await list()).split("\n");
    let chain = "";
    let target: { chain: string; rule: string; handle: string } | undefined;
    for (const line of lines) {
      const ch = /^\s*chain (\S+) \{/.exec(line);
      if (ch) chain = ch[1]!;
      const r = /^\s*(.*8080.*) # handle (\d+)$/.exec(line);
      if (r && !target && /db-from-api/.test(r[1]!)) target = { chain, rule: r[1]!.trim(), handle: r[2]! };
    }
    expect(target, await list()).toBeDefined();
    const del = await inNetns(node, "nft", ["delete", "rule", "ip", "policyc", target!.chain, "handle", target!.handle]);
    expect(del.code, del.stderr).toBe(0);
    expect(await list()).not.toContain(`${target!.rule} # handle ${target!.handle}`);
    const back = await waitUntil(async () => (await list()).includes(target!.rule), (RESYNC_SECONDS + 4) * 1000, `the deleted rule "${target!.rule}" to come back`, 50);
    timings.push(`an nftables rule deleted by hand was back after ${back} ms (resync every ${RESYNC_SECONDS} s)`);

    // shop/api's address taken out of the set the rule matches.
    const set = /@(\S+)/.exec(target!.rule)?.[1];
    expect(set, target!.rule).toBeDefined();
    const members = async (): Promise<string> => (await inNetns(node, "nft", ["list", "set", "ip", "policyc", set!])).stdout;
    expect(await members()).toContain("10.65.1.2");
    const delElement = await inNetns(node, "nft", ["delete", "element", "ip", "policyc", set!, "{ 10.65.1.2 }"]);
    expect(delElement.code, delElement.stderr).toBe(0);
    const back2 = await waitUntil(async () => (await members()).includes("10.65.1.2"), (RESYNC_SECONDS + 4) * 1000, `10.65.1.2 to come back into ${set}`, 50);
    timings.push(`an nftables set element deleted by hand was back after ${back2} ms`);
    await expectVerdicts(
      "after the rule came back",
      verdicts(`
        shop/api   -> shop/db tcp/8080 allow
        shop/cache -> shop/db tcp/8080 deny
      `),
    );
  });

  it("a global policy added, edited and deleted", async () => {
    await remove(DB_FROM_API, TOOL_EGRESS);
    await apply(labGuard(8080));
    await expectVerdicts(
      "lab-guard denies TCP 8080",
      verdicts(`
        lab/probe -> shop/cache tcp/8080 deny   # node-1 -> node-3
        lab/probe -> shop/cache tcp/80 allow
        lab/tool  -> shop/api tcp/8080 deny     # node-3 -> node-1
        shop/api  -> shop/cache tcp/8080 allow  # shop is not team=lab
        shop/cache -> shop/db tcp/8080 allow    # db-from-api is gone
      `),
    );
    await apply(labGuard(80));
    await expectVerdicts(
      "lab-guard edited to deny TCP 80",
      verdicts(`
        lab/probe -> shop/cache tcp/8080 allow
        lab/probe -> shop/cache tcp/80 deny
        lab/tool  -> shop/api tcp/80 deny
      `),
    );
    await remove(labGuard(80));
    await expectVerdicts(
      "lab-guard deleted",
      verdicts(`
        lab/probe -> shop/cache tcp/80,tcp/8080 allow
        lab/tool  -> shop/api tcp/80,tcp/8080 allow
      `),
    );
  });
});
