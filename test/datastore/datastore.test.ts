/**
 * `policyc datastore` against a real etcd: what calicoctl with the etcd datastore would store,
 * and the same answers from it as from the YAML (the agent compiles what etcd holds).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdClient } from "../../src/datastore/etcd.js";
import { resourcesPrefix } from "../../src/datastore/keys.js";
import { loadModel, loadModelFromObjects } from "../../src/model/loadModel.js";
import { evaluateFlow, prepareModel, type Flow, type Prepared } from "../../src/semantics/index.js";
import { readInputs } from "../../src/cli/readInputs.js";
import { runCli } from "../helpers/runCli.js";
import { etcdAvailable, startEtcd, warnIfEtcdUnavailable, type TestEtcd } from "../helpers/etcd.js";

const SUITE = "policyc datastore against a real etcd (test/datastore/datastore.test.ts)";
warnIfEtcdUnavailable(SUITE);

/** Every endpoint address of a prepared model. */
function addresses(p: Prepared): string[] {
  return p.members.filter((m) => m.workload).flatMap((m) => m.nets.filter((n) => n.family === 4).map((n) => n.text.replace(/\/\d+$/, "")));
}

/** Verdicts between every pair of addresses (and an outside one), on a few ports. */
function verdicts(p: Prepared, ips: readonly string[]): string[] {
  const out: string[] = [];
  const ends = [...ips, "192.0.2.77"];
  for (const src of ends) {
    for (const dst of ends) {
      if (src === dst) continue;
      for (const [protocol, port] of [[6, 80], [6, 8080], [17, 53]] as const) {
        const flow: Flow = { family: 4, src: { ip: src }, dst: { ip: dst }, protocol, srcPort: 40000, dstPort: port };
        out.push(`${src} -> ${dst} ${protocol}/${port}: ${evaluateFlow(p, flow).allowed ? "allow" : "deny"}`);
      }
    }
  }
  return out;
}

describe.skipIf(!etcdAvailable())(SUITE, () => {
  let etcd: TestEtcd;
  let client: EtcdClient;
  beforeAll(async () => {
    etcd = await startEtcd();
    client = new EtcdClient({ endpoints: [etcd.endpoint] });
  }, 30_000);
  afterAll(async () => {
    client?.close();
    await etcd?.stop();
  });

  it("stores Kubernetes objects as Calico's etcd mode does", async () => {
    const r = await runCli(["datastore", "apply", "-f", "fixtures/cases/demo-shop", "--etcd-endpoints", etcd.endpoint]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Successfully applied \d+ resource\(s\): \d+ created, 0 updated, 0 unchanged\n$/);
    const keys = (await client.rangePrefix(resourcesPrefix())).kvs.map((k) => k.key);
    expect(keys.some((k) => k.startsWith("/calico/resources/v3/projectcalico.org/profiles/kns."))).toBe(true);
    expect(keys.some((k) => /\/workloadendpoints\/[^/]+\/node--1-k8s-.+-eth0$/.test(k))).toBe(true);
    const again = await runCli(["datastore", "apply", "-f", "fixtures/cases/demo-shop", "--etcd-endpoints", etcd.endpoint]);
    expect(again.stdout).toMatch(/0 created, 0 updated, \d+ unchanged/);
    const got = await runCli(["datastore", "get", "-o", "json", "--etcd-endpoints", etcd.endpoint]);
    const items = (JSON.parse(got.stdout) as { items: { metadata: { uid?: string; resourceVersion?: string } }[] }).items;
    expect(items.length).toBe(keys.length);
    expect(items.every((i) => i.metadata.uid !== undefined && i.metadata.resourceVersion !== undefined)).toBe(true);
    expect((await runCli(["datastore", "delete", "-f", "fixtures/cases/demo-shop", "--etcd-endpoints", etcd.endpoint])).code).toBe(0);
    expect((await client.rangePrefix(resourcesPrefix())).kvs).toEqual([]);
  });

  it.each(["demo-shop", "k8s-named-ports", "k8s-namespace-isolation", "calico-tiers-pass-deny", "k8s-and-vs-or-peers"])(
    "%s: what etcd holds means what the YAML means",
    async (fixture) => {
      const path = `fixtures/cases/${fixture}`;
      const prefix = `/t-${fixture}`;
      const r = await runCli(["datastore", "apply", "-f", path, "--etcd-endpoints", etcd.endpoint, "--etcd-prefix", prefix]);
      expect(r.code, r.stderr).toBe(0);
      const fromYaml = prepareModel(loadModel(readInputs([path]).files).model);
      const values = (await client.rangePrefix(resourcesPrefix(prefix))).kvs.map((kv) => JSON.parse(kv.value) as unknown);
      const loaded = loadModelFromObjects(values, "etcd");
      expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const fromEtcd = prepareModel(loaded.model);
      const ips = addresses(fromYaml);
      expect(addresses(fromEtcd).sort()).toEqual([...ips].sort());
      expect(verdicts(fromEtcd, ips)).toEqual(verdicts(fromYaml, ips));
    },
  );

  it("refuses bad etcd flags with exit 2, and reports an unreachable etcd in one line", async () => {
    expect((await runCli(["datastore", "apply", "-f", "fixtures/cases/demo-shop"])).code).toBe(2);
    expect((await runCli(["datastore", "apply", "-f", "fixtures/cases/demo-shop", "--etcd-endpoints", "ftp://x"])).code).toBe(2);
    expect((await runCli(["datastore", "frobnicate", "--etcd-endpoints", etcd.endpoint])).code).toBe(2);
    const down = await runCli(["datastore", "get", "--etcd-endpoints", "http://127.0.0.1:9"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^policyc datastore: etcd: no endpoint answered/);
  });
});

describe.skipIf(!etcdAvailable())(`${SUITE}, TLS`, () => {
  let etcd: TestEtcd;
  beforeAll(async () => {
    etcd = await startEtcd({ tls: true });
  }, 30_000);
  afterAll(async () => {
    await etcd?.stop();
  });

  it("writes over TLS with a client certificate", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "policyc-tls-"));
    const tls = etcd.tls!;
    for (const [name, pem] of Object.entries({ "ca.crt": tls.ca, "client.crt": tls.cert, "client.key": tls.key })) writeFileSync(join(dir, name), pem);
    const flags = ["--etcd-endpoints", etcd.endpoint, "--etcd-ca", join(dir, "ca.crt"), "--etcd-cert", join(dir, "client.crt"), "--etcd-key", join(dir, "client.key")];
    const r = await runCli(["datastore", "apply", "-f", "fixtures/cases/demo-shop", ...flags]);
    expect(r.code, r.stderr).toBe(0);
    const noCert = await runCli(["datastore", "get", "--etcd-endpoints", etcd.endpoint, "--etcd-ca", join(dir, "ca.crt")]);
    expect(noCert.code).toBe(1);
  });
});
