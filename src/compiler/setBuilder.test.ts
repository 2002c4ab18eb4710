import { describe, expect, it } from "vitest";
import type { NamedPort } from "../model/types.js";
import { MemberTable } from "./memberTable.js";
import { createSetBuilder } from "./setBuilder.js";
import { ALL, eqLabel } from "./selectors/selectorOps.js";

const members = new MemberTable();
const member = (labels: Record<string, string>, nets: string[], ports: NamedPort[] = []): number => members.add(labels, { inherited: {}, automatic: {}, strip: false }, nets, ports);

member({ app: "x" }, ["10.0.0.10/32", "fd00::1:1/128"], [{ name: "http", protocol: "TCP", port: 8080 }]);
member({ app: "x" }, ["10.0.0.9/32", "fd00::10/128"], [
  { name: "http", protocol: "UDP", port: 80 },
  { name: "http", protocol: "TCP", port: 8080 },
]);
member({ app: "y" }, ["10.0.0.9/32", "10.0.1.0/24", "fd00::3/128"], [{ name: "dns", protocol: "UDP", port: 53 }]);
member({ app: "x" }, ["10.0.0.10/32"], [{ name: "http", protocol: "TCP", port: 81 }]);

/** The members of a set registered (with others) on a builder. */
function membersOf(sets: ReturnType<typeof createSetBuilder>, family: 4 | 6, set: { readonly id: string }): readonly string[] | undefined {
  return sets.sets(family).find((s) => s.id === set.id)?.members;
}

describe("createSetBuilder", () => {
  it("lists selector set members de-duplicated, IPv4 by address, IPv6 by text", () => {
    const sets = createSetBuilder(members);
    const all4 = sets.selectorSet(ALL, 4);
    const all6 = sets.selectorSet(ALL, 6);
    const y = sets.selectorSet(eqLabel("app", "y"), 4);
    expect(membersOf(sets, 4, all4)).toEqual(["10.0.0.9/32", "10.0.0.10/32", "10.0.1.0/24"]);
    expect(membersOf(sets, 6, all6)).toEqual(["fd00::10/128", "fd00::1:1/128", "fd00::3/128"]);
    expect(membersOf(sets, 4, y)).toEqual(["10.0.0.9/32", "10.0.1.0/24"]);
  });

  it("lists named-port members by address, then protocol:port text, filtered by protocol", () => {
    const sets = createSetBuilder(members);
    const app = eqLabel("app", "x");
    const http4 = sets.namedPortSet(app, undefined, "http", 4);
    const tcp6 = sets.namedPortSet(app, "tcp", "http", 6);
    const dns4 = sets.namedPortSet(ALL, "udp", "dns", 4);
    expect(membersOf(sets, 4, http4)).toEqual(["10.0.0.9,tcp:8080", "10.0.0.9,udp:80", "10.0.0.10,tcp:8080", "10.0.0.10,tcp:81"]);
    expect(membersOf(sets, 6, tcp6)).toEqual(["fd00::10,tcp:8080", "fd00::1:1,tcp:8080"]);
    expect(membersOf(sets, 4, dns4)).toEqual(["10.0.0.9,udp:53", "10.0.1.0,udp:53"]);
    // Registered once per id.
    sets.namedPortSet(app, "tcp", "http", 6);
    expect(sets.sets(6).filter((s) => s.id === tcp6.id)).toHaveLength(1);
  });
});
