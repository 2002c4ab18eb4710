/**
 * Faults in the three-node cluster (multiNode.ts, BGP routing, iptables agents), each followed by
 * probes with hand-written verdicts: etcd killed and restarted, an agent killed with SIGKILL in
 * the middle of an apply, rules deleted by hand (the resync puts them back), and bad resources
 * in etcd (reported with their key; the rest applies).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resourcesPrefix } from "../../src/datastore/keys.js";
import { inNetns, iptablesTools } from "./kernel.js";
import {
  FABRIC_PREFIX,
  inSync,
  iptablesState,
  lineDiff,
  multiNodeAvailability,
  NAMESPACES,
  NodeAgent,
  NODES,
  podDoc,
  PODS,
  sleep,
  startCluster,
  verdicts,
  waitForVerdicts,
  waitUntil,
  warnMultiNodeSkipped,
  type LogEntry,
  type RunningCluster,
  type Verdict,
} from "./multiNode.js";
import { bulkChange, DB_FROM_API, DB_FROM_CACHE_80 } from "./multiNodePolicies.js";
import { toolGate, type GatedWriter } from "./toolGate.js";

const SUITE = "multi-node cluster under faults, iptables agents (test/e2e/multiNodeFaults.test.ts)";
const available = multiNodeAvailability("iptables");
if (!available.ok) warnMultiNodeSkipped(SUITE, available.reason);

const RESYNC_SECONDS = 2;

/** With db-from-api in place: only shop/api reaches shop/db, on TCP 8080 alone. */
const DB_LOCKED = `
  shop/api   -> shop/db tcp/8080 allow     # node-1 -> node-2
  shop/api   -> shop/db tcp/80 deny
  shop/cache -> shop/db tcp/8080,tcp/80 deny  # node-3 -> node-2
  lab/probe  -> shop/db tcp/8080 deny
  lab/tool   -> shop/web tcp/80 allow      # unselected pods stay open
`;

describe.skipIf(!available.ok)(SUITE, () => {
  let c: RunningCluster;
  const timings: string[] = [];
  // Every agent writes through it; the SIGKILL case closes it to catch node-2 mid-apply.
  const gate = toolGate();

  beforeAll(async () => {
    c = await startCluster({
      mode: "bgp",
      nodes: NODES,
      pods: PODS,
      backend: "iptables",
      resyncSeconds: RESYNC_SECONDS,
      initial: [...NAMESPACES, ...PODS.map(podDoc), DB_FROM_API],
      agentEnv: gate.env,
    });
  }, 120_000);

  afterAll(async () => {
    if (timings.length > 0) console.log(`${SUITE}\n  ${timings.join("\n  ")}`);
    gate.open();
    await c?.teardown();
    gate.remove();
  }, 60_000);

  const expectVerdicts = async (label: string, table: readonly Verdict[], timeoutMs = 30_000): Promise<number> => {
    const ms = await waitForVerdicts(c.probers, table, label, { timeoutMs, context: () => c.logs() });
    timings.push(`${label}: ${ms} ms`);
    return ms;
  };
  const agent = (node: string): NodeAgent => c.agents.get(node)!;
  const marks = (): Map<string, number> => new Map([...c.agents].map(([n, a]) => [n, a.entries.length]));

  it("etcd killed: the rules keep enforcing the last good state; restarted: a new change applies", async () => {
    await expectVerdicts("db-from-api (before the outage)", verdicts(DB_LOCKED));
    const kernel = await iptablesState(c.cluster.names.node("node-2"));
    const before = marks();
    await c.etcd.stop(true, "SIGKILL");
    // Every agent sees the watch go and fails to list again, while the kernel keeps its rules.
    await Promise.all(NODES.map((n) => agent(n).waitForLog((e) => e.msg.startsWith("lost the etcd watch"), 15_000, "the lost watch", before.get(n))));
    await Promise.all(NODES.map((n) => agent(n).waitForLog((e) => e.msg.startsWith("listing etcd failed"), 15_000, "a failed re-list", before.get(n))));
    // An agent that starts while etcd is away has nothing to apply: it must leave the kernel as
    // the agent before it left it, through its resyncs too, until it can list etcd.
    const newcomer = await c.replaceAgent("node-2");
    await newcomer.waitForLog((e) => e.msg.startsWith("listing etcd failed"), 15_000, "a failed first listing");
    // Past two resync intervals: the other agents resynced with etcd gone, the newcomer tried to.
    await sleep(2 * RESYNC_SECONDS * 1000 + 500);
    expect(newcomer.find(inSync)).toEqual([]);
    const untouched = await iptablesState(c.cluster.names.node("node-2"));
    expect(untouched === kernel, `node-2's kernel changed before its new agent could list etcd (- before, + after):\n${lineDiff(kernel, untouched)}`).toBe(true);
    await expectVerdicts("etcd down, node-2's agent restarted", verdicts(DB_LOCKED), 5_000);
    for (const n of NODES) expect(agent(n).running, agent(n).tail()).toBe(true);

    const restarted = Date.now();
    await c.etcd.restart();
    await c.apply([DB_FROM_CACHE_80]);
    await expectVerdicts(
      "etcd restarted, db-from-cache added",
      verdicts(`
        shop/cache -> shop/db tcp/80 allow     # the change made after the restart
        shop/cache -> shop/db tcp/8080 deny
        shop/api   -> shop/db tcp/8080 allow
        lab/probe  -> shop/db tcp/80 deny
      `),
    );
    timings.push(`etcd back to the change applied: ${Date.now() - restarted} ms`);
    for (const n of NODES) expect(agent(n).find(inSync, agent(n) === newcomer ? 0 : before.get(n)).length, agent(n).tail()).toBeGreaterThan(0);
    await c.delete([DB_FROM_CACHE_80]);
    await expectVerdicts("db-from-cache deleted", verdicts(DB_LOCKED));
  });

  it("an agent killed with SIGKILL in the middle of an apply: right at once after its restart, no half-applied state; SIGTERM leaves the rules", async () => {
    const bulk = bulkChange(12, 60);
    /**
     * Writes a change and SIGKILLs node-2's agent in the middle of applying it: while the gate
     * (toolGate.ts) holds its writer of that kind (`ipset restore` of the sets, or the rules'
     * `iptables-*-restore`), or `delayMs` after the write began. Returns what it was doing.
     */
    const killDuring = async (write: () => Promise<void>, when: GatedWriter | number): Promise<string> => {
      const victim = agent("node-2");
      const heldBefore = gate.held().length;
      if (typeof when !== "number") gate.close(when);
      try {
        const writing = write();
        const started = Date.now();
        let running = "";
        await waitUntil(
          () => {
            if (typeof when === "number") {
              running = victim.children().map((ch) => ch.args.split(" ").slice(0, 2).join(" ")).join(", ") || "nothing";
              return Date.now() - started >= when;
            }
            // Any agent's writer may be held; node-2's has begun when it holds one (its children).
            const held = gate.held().slice(heldBefore);
            running = held.at(-1) ?? "";
            return held.length > 0 && victim.children().some((ch) => ch.args.includes(when === "ipset" ? "ipset restore" : "-restore"));
          },
          30_000,
          `node-2's agent to run ${String(when)}`,
          5,
        );
        await victim.kill("SIGKILL");
        await writing;
        return running;
      } finally {
        gate.open();
      }
    };
    const node2 = c.cluster.names.node("node-2");
    /**
     * Restarts node-2's agent with a resync far away, so that nothing but its first sync writes
     * (no change is written meanwhile): the kernel as it is at "in sync" is what is checked, and
     * must equal what a fresh agent makes in a clean namespace (`reference`, else made now).
     */
    const afterRestart = async (label: string, table: readonly Verdict[], reference?: string): Promise<{ agent: NodeAgent; state: string }> => {
      const t = Date.now();
      const fresh = await c.restartAgent("node-2", { resyncSeconds: 3600 });
      timings.push(`${label}: node-2's agent restarted and in sync in ${Date.now() - t} ms`);
      const state = await iptablesState(node2);
      await expectVerdicts(label, table);
      expect(fresh.running).toBe(true);
      const want = reference ?? (await freshAgentState("node-2"));
      expect(state === want, `${label}: node-2's ruleset differs from a fresh agent's (- node-2, + fresh):\n${lineDiff(state, want)}`).toBe(true);
      return { agent: fresh, state: want };
    };
    const WITH_BULK = verdicts(`
      shop/cache -> shop/db tcp/8080 allow   # db-from-cache-8080, the last document of the change
      shop/cache -> shop/db tcp/80 deny
      shop/api   -> shop/db tcp/8080 allow
      lab/probe  -> shop/db tcp/8080 deny
    `);

    // A large change killed while its ipsets are written (before any rule refers to them)...
    timings.push(`killed while running: ${await killDuring(() => c.apply(bulk), "ipset")}`);
    const withBulk = (await afterRestart("after a kill while writing ipsets", WITH_BULK)).state;
    // ... its removal killed while the rules are written (before the sets go)...
    timings.push(`killed while running: ${await killDuring(() => c.delete(bulk), "iptables")}`);
    const withoutBulk = (await afterRestart("after a kill while writing rules", verdicts(DB_LOCKED))).state;
    // ... and the change again, killed at a random moment (the same state: the same reference).
    const at = Math.floor(Math.random() * 800);
    timings.push(`killed ${at} ms into writing the change, while running: ${await killDuring(() => c.apply(bulk), at)}`);
    const last = (await afterRestart(`after a kill ${at} ms into the change`, WITH_BULK, withBulk)).agent;

    // SIGTERM ends an agent cleanly (exit 0) and leaves its rules.
    last.child.kill("SIGTERM");
    expect(await last.exited, last.tail()).toEqual({ code: 0, signal: null });
    await expectVerdicts("node-2's agent stopped with SIGTERM", WITH_BULK);
    // An agent with the suite's resync takes over; the change goes.
    await c.restartAgent("node-2");
    await c.delete(bulk);
    await expectVerdicts("the large change deleted", verdicts(DB_LOCKED));
    let now = "";
    await waitUntil(async () => (now = await iptablesState(node2)) === withoutBulk, 15_000, () => `node-2's ruleset to be as before the change (- now, + before):\n${lineDiff(now, withoutBulk)}`, 200);
  }, 150_000);

  /**
   * The filter table and ipsets that a fresh agent makes for `node` from the same etcd, in a clean
   * namespace on the fabric (`--once`).
   */
  const freshAgentState = async (node: string): Promise<string> => {
    const ns = await c.cluster.addFabricHost("ref", 200);
    try {
      const ref = new NodeAgent(node, ns, { ...c.agentOptions, lockName: "reference.lock", extraArgs: ["--once"] });
      const exit = await ref.exited;
      expect(exit.code, ref.tail()).toBe(0);
      return await iptablesState(ns);
    } finally {
      await c.cluster.removeFabricHost(ns);
    }
  };

  it("rules deleted by hand come back within the resync interval", async () => {
    await expectVerdicts("db-from-api", verdicts(DB_LOCKED));
    const { iptables } = iptablesTools();
    const node = c.cluster.names.node("node-2");
    const save = async (): Promise<string> => (await inNetns(node, `${iptables}-save`, ["-t", "filter"])).stdout;

    // The rule of db-from-api's policy chain that lets app=api in on 8080.
    const rules = (await save()).split("\n").filter((l) => /^-A cali-pi-/.test(l) && /8080/.test(l));
    expect(rules.length, await save()).toBeGreaterThan(0);
    const rule = rules[0]!;
    const deleted = await inNetns(node, iptables, ["-w", "-D", ...splitRule(rule.slice(3))]);
    expect(deleted.code, deleted.stderr).toBe(0);
    const t1 = Date.now();
    const back1 = await waitUntil(async () => (await save()).includes(rule), (RESYNC_SECONDS + 4) * 1000, `the deleted rule ${rule} to come back`, 50);
    timings.push(`an allow rule deleted by hand was back after ${back1} ms (resync every ${RESYNC_SECONDS} s)`);
    expect(Date.now() - t1).toBeLessThan((RESYNC_SECONDS + 4) * 1000);
    await expectVerdicts("after the allow rule came back", verdicts(DB_LOCKED));

    // The hook from FORWARD into Felix's chains: without it nothing is enforced.
    const hook = (await save()).split("\n").find((l) => /^-A FORWARD .*-j cali-FORWARD/.test(l));
    expect(hook, await save()).toBeDefined();
    expect((await inNetns(node, iptables, ["-w", "-D", ...splitRule(hook!.slice(3))])).code).toBe(0);
    const back2 = await waitUntil(async () => (await save()).includes(hook!), (RESYNC_SECONDS + 4) * 1000, "the FORWARD hook to come back", 50);
    timings.push(`the FORWARD hook deleted by hand was back after ${back2} ms`);
    await expectVerdicts("after the FORWARD hook came back", verdicts(DB_LOCKED));

    // A member taken out of the ipset of app=api's addresses (shop/api's).
    const set = /--match-set (\S+) src/.exec(rule)?.[1];
    expect(set, rule).toBeDefined();
    const members = async (): Promise<string> => (await inNetns(node, "ipset", ["list", set!])).stdout;
    expect(await members()).toContain("10.65.1.2");
    expect((await inNetns(node, "ipset", ["del", set!, "10.65.1.2"])).code).toBe(0);
    const back3 = await waitUntil(async () => (await members()).includes("10.65.1.2"), (RESYNC_SECONDS + 4) * 1000, `10.65.1.2 to come back into ${set}`, 50);
    timings.push(`an ipset member deleted by hand was back after ${back3} ms`);

    // A rule added by hand to a chain the agent owns: it goes.
    const rogue = ["cali-FORWARD", "-m", "comment", "--comment", "rogue", "-j", "ACCEPT"];
    expect((await inNetns(node, iptables, ["-w", "-I", ...rogue])).code).toBe(0);
    const gone = await waitUntil(async () => !(await save()).includes("rogue"), (RESYNC_SECONDS + 4) * 1000, "the rule added by hand to go", 50);
    timings.push(`a rule added by hand to cali-FORWARD was gone after ${gone} ms`);
    await expectVerdicts("after the drift was repaired", verdicts(DB_LOCKED));
  });

  it("bad resources in etcd are reported with their key; the rest still applies", async () => {
    const prefix = resourcesPrefix();
    const badJson = `${prefix}globalnetworkpolicies/broken-json`;
    const badSelector = `${prefix}networkpolicies/shop/bad-selector`;
    const before = marks();
    await c.client.put(badJson, "{\"apiVersion\": \"projectcalico.org/v3\", \"kind\": \"GlobalNetworkPolicy\", ");
    await c.client.put(
      badSelector,
      JSON.stringify({
        apiVersion: "projectcalico.org/v3",
        kind: "NetworkPolicy",
        metadata: { name: "bad-selector", namespace: "shop" },
        // Would deny everything into shop/db if it were applied; the selector does not parse.
        spec: { selector: "app == 'db' &&", types: ["Ingress"], ingress: [{ action: "Deny" }] },
      }),
    );
    await c.apply([DB_FROM_CACHE_80]);
    const reported = (key: string) => (e: LogEntry) => e.key === key && (e.level === "error" || e.level === "warn");
    for (const n of NODES) {
      await agent(n).waitForLog(reported(badJson), 15_000, `a report naming ${badJson}`, before.get(n));
      await agent(n).waitForLog(reported(badSelector), 15_000, `a report naming ${badSelector}`, before.get(n));
    }
    await expectVerdicts(
      "bad resources beside a good change",
      verdicts(`
        shop/cache -> shop/db tcp/80 allow     # the good change applied
        shop/api   -> shop/db tcp/8080 allow   # the bad policy was left out
        shop/web   -> shop/db tcp/8080 deny
      `),
    );
    for (const n of NODES) expect(agent(n).running).toBe(true);
    await c.client.delete(badJson);
    await c.client.delete(badSelector);
    await c.delete([DB_FROM_CACHE_80]);
    await expectVerdicts("bad resources and db-from-cache deleted", verdicts(DB_LOCKED));
  });

  it("the fabric carries the pods' traffic with no address translation or tunnel", async () => {
    const route = await inNetns(c.cluster.names.node("node-1"), "ip", ["route", "get", "10.65.2.2"]);
    expect(route.stdout).toContain(`via ${FABRIC_PREFIX}.2 dev eth0`);
  });
});

/** An iptables-save rule (`chain args...`) as argv; quoted comments stay one argument. */
function splitRule(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2]!);
  return out;
}
