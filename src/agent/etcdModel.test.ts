/** The etcd store reads each value as its key names it, as Felix does. */
import { describe, expect, it } from "vitest";
import { resourceKey } from "../datastore/keys.js";
import { EtcdModel, parseEntry } from "./etcdModel.js";

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
