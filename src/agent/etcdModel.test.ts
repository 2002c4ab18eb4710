/** The etcd store reads each value as its key names it, as Felix does. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resourceKey } from "../datastore/keys.js";
import { EtcdModel, Interner, parseEntry } from "./etcdModel.js";

const gnp = (name: string, extra: object = {}): string =>
  JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkPolicy", metadata: { name, ...extra }, spec: { selector: "all()", ingress: [{ action: "Allow" }] } });

describe("parseEntry", () => {
  it("takes kind, namespace and name from the key, with a warning when the value disagrees", () => {
    const key = resourceKey("GlobalNetworkPolicy", "by-key", undefined, "/calico");
    const entry = parseEntry(key, gnp("by-value"), "/calico");
    expect(entry.resource?.metadata.name).toBe("by-key");
    expect(entry.diagnostics.map((d) => [d.code, d.severity, d.span?.file])).toEqual([["key-mismatch", "warning", key]]);
  });

  it("says nothing when the value agrees, as written or as an old default-tier name", () => {
    expect(parseEntry(resourceKey("GlobalNetworkPolicy", "p", undefined, "/calico"), gnp("p"), "/calico").diagnostics).toEqual([]);
    const old = parseEntry(resourceKey("GlobalNetworkPolicy", "default.p", undefined, "/calico"), gnp("default.p"), "/calico");
    expect(old.diagnostics).toEqual([]);
    expect(old.resource?.metadata.name).toBe("default.p");
  });

  it("puts a namespaced value in its key's namespace", () => {
    const key = resourceKey("NetworkSet", "n", "shop", "/calico");
    const value = JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "NetworkSet", metadata: { name: "n" }, spec: { nets: ["10.0.0.0/8"] } });
    const entry = parseEntry(key, value, "/calico");
    expect(entry.resource?.metadata.namespace).toBe("shop");
    expect(entry.diagnostics.map((d) => d.code)).toEqual(["key-mismatch"]);
  });

  it("checks an entry on its own: no whole-model rules such as tier references", () => {
    const key = resourceKey("GlobalNetworkPolicy", "security.p", undefined, "/calico");
    const value = JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkPolicy", metadata: { name: "security.p" }, spec: { tier: "security", selector: "all()" } });
    const entry = parseEntry(key, value, "/calico");
    expect(entry.resource).toBeDefined();
    expect(entry.diagnostics).toEqual([]);
  });

  it("reports a kind policyc does not read at the entry", () => {
    const key = resourceKey("BGPConfiguration", "default", undefined, "/calico");
    const value = JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "BGPConfiguration", metadata: { name: "default" }, spec: {} });
    const entry = parseEntry(key, value, "/calico");
    expect(entry.resource).toBeUndefined();
    expect(entry.diagnostics.map((d) => [d.code, d.span?.file])).toEqual([["unsupported", key]]);
  });
});

describe("EtcdModel", () => {
  const key = (name: string): string => resourceKey("GlobalNetworkPolicy", name, undefined, "/calico");

  it("tells an unchanged value from a changed one without keeping the value", () => {
    const store = new EtcdModel("/calico");
    expect(store.put(key("p"), gnp("p"))).toBeDefined();
    expect(store.put(key("p"), gnp("p"))).toBeUndefined();
    expect(store.put(key("p"), gnp("p", { labels: { a: "b" } }))).toBeDefined();
    expect(JSON.stringify(store.put(key("p"), gnp("p")))).not.toContain("projectcalico.org/v3");
  });

  it("holds the parts endpoints repeat once, and points each resource at its key", () => {
    const store = new EtcdModel("/calico");
    const wep = (name: string, ip: string): [string, string] => [
      resourceKey("WorkloadEndpoint", name, "shop", "/calico"),
      JSON.stringify({
        apiVersion: "projectcalico.org/v3",
        kind: "WorkloadEndpoint",
        metadata: { name, namespace: "shop", labels: { app: name } },
        spec: { node: "n1", interfaceName: `cali${name}`, ipNetworks: [`${ip}/32`], profiles: ["kns.shop", "ksa.shop.default"], ports: [{ name: "http", protocol: "TCP", port: 80 }] },
      }),
    ];
    store.put(...wep("a", "10.0.0.1"));
    store.put(...wep("b", "10.0.0.2"));
    const [a, b] = [store.get(wep("a", "")[0]), store.get(wep("b", "")[0])];
    if (a?.kind !== "WorkloadEndpoint" || b?.kind !== "WorkloadEndpoint") throw new Error("not endpoints");
    expect(a.ports).toBe(b.ports);
    expect(a.profiles).toBe(b.profiles);
    expect(a.profiles).toEqual(["kns.shop", "ksa.shop.default"]);
    expect(a.metadata.labels).toEqual({ app: "a" });
    expect(b.ipNetworks).toEqual(["10.0.0.2/32"]);
    expect(a.origin).toEqual({ file: wep("a", "")[0], document: 0, span: { file: wep("a", "")[0], start: 0, end: 0 } });
  });

  it("takes a listing whole when it finishes: changed, added and removed keys; nothing before", () => {
    const store = new EtcdModel("/calico");
    store.replaceAll([
      { key: key("same"), value: gnp("same") },
      { key: key("edited"), value: gnp("edited") },
      { key: key("gone"), value: gnp("gone") },
    ]);
    const load = store.beginListing();
    load.put(key("same"), gnp("same"));
    load.put(key("edited"), gnp("edited", { labels: { a: "b" } }));
    load.put(key("new"), gnp("new"));
    // Not yet taken: a listing that fails here leaves the store as it was.
    expect(store.get(key("new"))).toBeUndefined();
    expect(store.get(key("gone"))).toBeDefined();
    expect(store.get(key("edited"))?.metadata.labels).toEqual({});
    expect(load.finish()).toEqual({ changed: [key("edited"), key("new")], removed: [key("gone")] });
    expect(store.resources().map((r) => r.metadata.name)).toEqual(["edited", "new", "same"]);
    expect(store.get(key("edited"))?.metadata.labels).toEqual({ a: "b" });
  });
});

describe("EtcdModel counts", () => {
  it("keeps resources by kind and error counts as entries come, change and go, as a count over every entry gives", () => {
    const store = new EtcdModel("/calico");
    const key = (name: string): string => resourceKey("GlobalNetworkPolicy", name, undefined, "/calico");
    const recount = (): [Record<string, number>, number] => {
      const kinds: Record<string, number> = {};
      for (const r of store.resources()) kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
      return [kinds, store.diagnostics().filter((d) => d.severity === "error").length];
    };
    const check = (): void => expect([store.countsByKind(), store.errorCount()]).toEqual(recount());
    store.put(key("a"), gnp("a"));
    store.put(key("b"), "{not json");
    check();
    store.put(key("b"), gnp("b"));
    store.put(key("c"), gnp("c", { labels: { "bad key!": "x" } }));
    check();
    store.put(key("a"), "[]");
    store.delete(key("c"));
    store.delete(key("nothing"));
    check();
    store.replaceAll([
      { key: key("d"), value: gnp("d") },
      { key: key("e"), value: "nope" },
      { key: resourceKey("NetworkSet", "n", "shop", "/calico"), value: JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "NetworkSet", metadata: { name: "n", namespace: "shop" }, spec: { nets: ["10.0.0.0/8"] } }) },
    ]);
    check();
    expect(store.countsByKind()).toEqual({ GlobalNetworkPolicy: 1, NetworkSet: 1 });
    expect(store.errorCount()).toBe(1);
  });
});

describe("Interner", () => {
  it("gives a held part exactly when one with the same JSON was shared before (property)", () => {
    const scalar = fc.oneof(fc.constantFrom("a", "b", "TCP", "", 0, -0, 1, 8080, true, false, null), fc.double());
    const port = fc.oneof(
      fc.record({ name: fc.constantFrom("http", "dns"), protocol: fc.constantFrom("TCP", "UDP"), port: fc.constantFrom(53, 8080) }),
      fc.record({ protocol: fc.constantFrom("TCP", "UDP"), name: fc.constantFrom("http", "dns"), port: scalar }),
      fc.dictionary(fc.constantFrom("a", "b"), scalar),
    );
    const part = fc.oneof(fc.array(scalar, { maxLength: 3 }), fc.array(port, { maxLength: 3 }), fc.array(fc.array(scalar, { maxLength: 2 }), { maxLength: 2 }), fc.dictionary(fc.constantFrom("x", "y"), scalar));
    fc.assert(
      fc.property(fc.array(part, { maxLength: 30 }), (parts) => {
        const interner = new Interner();
        const firstByJson = new Map<string, unknown>();
        for (const p of parts) {
          const json = JSON.stringify(p);
          const held = interner.share(p);
          if (!firstByJson.has(json)) firstByJson.set(json, p);
          expect(held).toBe(firstByJson.get(json));
        }
      }),
      { numRuns: 500 },
    );
  });
});
