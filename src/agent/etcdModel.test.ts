/** The etcd store reads each value as its key names it, as Felix does. */
import { describe, expect, it } from "vitest";
import { resourceKey } from "../datastore/keys.js";
import { parseEntry } from "./etcdModel.js";

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
