/**
 * Issue 13's proof: a real three-node cluster on one machine (multiNode.ts), Calico's BGP mode on
 * one L2 fabric, one `policyc agent` per node (iptables backend) following a real etcd, and
 * cluster changes written into etcd with `policyc datastore`. Every table of verdicts below is
 * written by hand from what the policies mean, and checked with real TCP and UDP connections
 * between pod namespaces, polling until it holds (or failing at a deadline).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  multiNodeAvailability,
  NAMESPACES,
  namespaceDoc,
  NODES,
  pod,
  podDoc,
  PODS,
  startCluster,
  verdicts,
  waitForVerdicts,
  warnMultiNodeSkipped,
  type Doc,
  type PodSpec,
  type RunningCluster,
  type Verdict,
} from "./multiNode.js";
import { DB_FROM_API, labGuard, TOOL_EGRESS, WEB_FROM_TRUSTED } from "./multiNodePolicies.js";

const SUITE = "multi-node cluster, BGP routing, iptables agents (test/e2e/multiNode.test.ts)";
const available = multiNodeAvailability("iptables");
if (!available.ok) warnMultiNodeSkipped(SUITE, available.reason);

describe.skipIf(!available.ok)(SUITE, () => {
  let c: RunningCluster;
  /** How long each change took to show in the probes, for the summary. */
  const timings: string[] = [];

  beforeAll(async () => {
    c = await startCluster({ mode: "bgp", nodes: NODES, pods: PODS, backend: "iptables", resyncSeconds: 2, initial: [...NAMESPACES, ...PODS.map(podDoc)] });
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
  const relabel = (p: PodSpec, labels: Record<string, string>): Promise<void> => c.apply([podDoc({ ...p, labels })]);

  it("without policy every pod reaches every other, across nodes", async () => {
    await expectVerdicts(
      "no policy",
      verdicts(`
        shop/api   -> shop/db   tcp/80,tcp/8080,udp/53 allow   # node-1 -> node-2
        shop/db    -> shop/cache tcp/80,udp/53 allow           # node-2 -> node-3
        lab/tool   -> lab/probe tcp/8080 allow                 # node-3 -> node-1
        shop/web   -> shop/db   tcp/80 allow                   # on node-2
      `),
    );
  });

  it("cross-node ingress: a Kubernetes policy on shop/db (node-2)", async () => {
    await apply(DB_FROM_API);
    await expectVerdicts(
      "db-from-api added",
      verdicts(`
        shop/api   -> shop/db tcp/8080 allow    # node-1 -> node-2: the allowed peer and port
        shop/api   -> shop/db tcp/80,udp/53 deny # the allowed peer on other ports
        shop/cache -> shop/db tcp/8080 deny     # node-3 -> node-2: not app=api
        shop/web   -> shop/db tcp/8080 deny     # same node, not app=api
        lab/probe  -> shop/db tcp/8080 deny     # a podSelector alone means shop's own pods
        shop/db    -> shop/api tcp/80 allow     # ingress only: db still connects out
        lab/tool   -> shop/web tcp/80 allow     # pods no policy selects stay open
      `),
    );
  });

  it("a label change on a pod of node-3 flips its access to shop/db on node-2", async () => {
    await relabel(pod("shop/cache"), { app: "api" });
    await expectVerdicts(
      "shop/cache relabelled app=api",
      verdicts(`
        shop/cache -> shop/db tcp/8080 allow    # now app=api
        shop/cache -> shop/db tcp/80 deny
        shop/api   -> shop/db tcp/8080 allow
        shop/web   -> shop/db tcp/8080 deny
      `),
    );
    await relabel(pod("shop/cache"), { app: "cache" });
    await expectVerdicts(
      "shop/cache relabelled back",
      verdicts(`
        shop/cache -> shop/db tcp/8080 deny
        shop/api   -> shop/db tcp/8080 allow
      `),
    );
  });

  it("cross-node egress: a Calico policy on lab/tool (node-3)", async () => {
    await remove(DB_FROM_API);
    await apply(TOOL_EGRESS);
    await expectVerdicts(
      "tool-egress added, db-from-api deleted",
      verdicts(`
        lab/tool  -> shop/web tcp/80 allow      # node-3 -> node-2: the allowed destination
        lab/tool  -> shop/web tcp/8080 deny     # another port
        lab/tool  -> shop/api tcp/80 deny       # node-3 -> node-1: not app=web
        lab/tool  -> lab/probe tcp/80 deny      # team=lab is not team=shop
        lab/tool  -> shop/cache tcp/80 deny     # same node, not app=web
        lab/tool  -> shop/api udp/53 allow      # the second rule: UDP 53 anywhere
        lab/probe -> lab/tool tcp/80 allow      # egress only: tool still accepts (and answers)
        shop/cache -> shop/db tcp/8080 allow    # db-from-api is gone
      `),
    );
    await remove(TOOL_EGRESS);
    await expectVerdicts("tool-egress deleted", verdicts(`lab/tool -> shop/api tcp/80 allow`));
  });

  it("a namespace relabel flips access across nodes", async () => {
    await apply(WEB_FROM_TRUSTED);
    await expectVerdicts(
      "web-from-trusted added",
      verdicts(`
        lab/probe -> shop/web tcp/80 deny       # node-1 -> node-2: lab is not trusted
        lab/tool  -> shop/web tcp/80 deny       # node-3 -> node-2
        shop/api  -> shop/web tcp/80 deny       # shop is not trusted either
        shop/web  -> lab/probe tcp/80 allow     # ingress only
      `),
    );
    await apply(namespaceDoc("lab", { team: "lab", trusted: "yes" }));
    await expectVerdicts(
      "namespace lab labelled trusted=yes",
      verdicts(`
        lab/probe -> shop/web tcp/80,tcp/8080,udp/53 allow
        lab/tool  -> shop/web tcp/80 allow
        shop/api  -> shop/web tcp/80 deny
      `),
    );
    await apply(namespaceDoc("lab", { team: "lab" }));
    await expectVerdicts(
      "namespace lab no longer trusted",
      verdicts(`
        lab/probe -> shop/web tcp/80 deny
        lab/tool  -> shop/web tcp/80 deny
      `),
    );
    await remove(WEB_FROM_TRUSTED);
    await expectVerdicts("web-from-trusted deleted", verdicts(`lab/probe -> shop/web tcp/80 allow`));
  });

  it("a global policy added, edited and deleted", async () => {
    await apply(labGuard(8080));
    await expectVerdicts(
      "lab-guard denies TCP 8080",
      verdicts(`
        lab/probe -> shop/cache tcp/8080 deny   # node-1 -> node-3
        lab/probe -> shop/cache tcp/80 allow
        lab/tool  -> shop/api tcp/8080 deny     # node-3 -> node-1
        lab/tool  -> shop/api tcp/80,udp/53 allow
        shop/api  -> shop/cache tcp/8080 allow  # shop is not team=lab
      `),
    );
    await apply(labGuard(80));
    await expectVerdicts(
      "lab-guard edited to deny TCP 80",
      verdicts(`
        lab/probe -> shop/cache tcp/8080 allow
        lab/probe -> shop/cache tcp/80 deny
        lab/tool  -> shop/api tcp/8080 allow
        lab/tool  -> shop/api tcp/80 deny
        shop/api  -> shop/cache tcp/80 allow
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

  it("a pod deleted and its address reused by a pod with other labels", async () => {
    await apply(DB_FROM_API);
    await expectVerdicts(
      "db-from-api again",
      verdicts(`
        shop/api  -> shop/db tcp/8080 allow
        lab/probe -> shop/db tcp/8080 deny
      `),
    );
    // The kubelet deletes the pods: the CNI plugin removes their veths, the endpoints go.
    const api = pod("shop/api");
    const probe = pod("lab/probe");
    for (const p of [api, probe]) {
      c.probers.remove(`${p.namespace}/${p.name}`);
      await c.cluster.removePod(p);
    }
    await c.delete([podDoc(api), podDoc(probe)]);
    // New pods on node-1 get the freed addresses, swapped: the CNI plugin makes the veth, then
    // writes the endpoint.
    const intruder: PodSpec = { namespace: "lab", name: "intruder", node: "node-1", ip: api.ip, labels: { app: "intruder" } };
    const api2: PodSpec = { namespace: "shop", name: "api2", node: "node-1", ip: probe.ip, labels: { app: "api" } };
    for (const p of [intruder, api2]) await c.cluster.addPod(p);
    await c.probers.add([intruder, api2]);
    await c.apply([podDoc(intruder), podDoc(api2)]);
    await expectVerdicts(
      "addresses reused",
      verdicts(`
        lab/intruder -> shop/db tcp/8080 deny   # shop/api's old address, not app=api now
        shop/api2    -> shop/db tcp/8080 allow  # lab/probe's old address, now app=api
        shop/api2    -> shop/db tcp/80 deny
        lab/tool     -> lab/intruder tcp/80 allow   # reached through its new interface
        shop/db      -> shop/api2 tcp/8080 allow
        lab/intruder -> shop/cache tcp/80 allow     # and it connects out
      `),
    );
    expect(c.cluster.pods().map((p) => `${p.namespace}/${p.name}`)).toContain("lab/intruder");
  });
});
