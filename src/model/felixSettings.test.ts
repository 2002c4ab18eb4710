import { describe, expect, it } from "vitest";
import { FELIX_DEFAULTS, markBitsFromMask } from "../calico/index.js";
import { nodeFelixSettings } from "./felixSettings.js";
import { validateYaml } from "./validate/testSupport.js";

const yaml = (...lines: string[]): string => lines.join("\n") + "\n";

describe("FelixConfiguration", () => {
  it("resolves default, then node.<name> over it, field by field", () => {
    const { model, found } = validateYaml(
      yaml(
        "apiVersion: projectcalico.org/v3",
        "kind: FelixConfiguration",
        "metadata: {name: default}",
        "spec:",
        "  defaultEndpointToHostAction: ACCEPT",
        "  failsafeInboundHostPorts: [{port: 22}, {protocol: UDP, port: 68, net: 10.0.0.0/8}]",
        "  vxlanPort: 4790",
        "---",
        "apiVersion: projectcalico.org/v3",
        "kind: FelixConfiguration",
        "metadata: {name: node.node-1}",
        "spec:",
        "  defaultEndpointToHostAction: Return",
        "  chainInsertMode: append",
        "  failsafeOutboundHostPorts: []",
      ),
    );
    expect(found).toEqual([]);
    const n1 = nodeFelixSettings(model.resources, "node-1");
    expect(n1.defaultEndpointToHostAction).toBe("Return");
    expect(n1.chainInsertMode).toBe("append");
    expect(n1.vxlanPort).toBe(4790);
    expect(n1.failsafeInboundHostPorts).toEqual([{ protocol: "tcp", port: 22 }, { protocol: "udp", port: 68, net: "10.0.0.0/8" }]);
    expect(n1.failsafeOutboundHostPorts).toEqual([]);
    const n2 = nodeFelixSettings(model.resources, "node-2");
    expect(n2.defaultEndpointToHostAction).toBe("Accept");
    expect(n2.chainInsertMode).toBe("insert");
    expect(n2.failsafeOutboundHostPorts).toEqual(FELIX_DEFAULTS.failsafeOutboundHostPorts);
    expect(nodeFelixSettings([], undefined)).toEqual(FELIX_DEFAULTS);
  });

  it("reports bad values as errors and other fields as unsupported, at their positions", () => {
    const { found } = validateYaml(
      yaml(
        "apiVersion: projectcalico.org/v3",
        "kind: FelixConfiguration",
        "metadata: {name: default}",
        "spec:",
        "  defaultEndpointToHostAction: Reject",
        "  iptablesMarkMask: 0x3",
        "  failsafeInboundHostPorts: [{protocol: ICMP, port: 1}]",
        "  bpfEnabled: true",
        "---",
        "apiVersion: projectcalico.org/v3",
        "kind: FelixConfiguration",
        "metadata: {name: rack-a}",
      ),
    );
    expect(found).toEqual([
      { code: "invalid-value", severity: "error", line: 5, column: 32 },
      { code: "invalid-value", severity: "error", line: 6, column: 21 },
      { code: "invalid-value", severity: "error", line: 7, column: 41 },
      { code: "unsupported", severity: "warning", line: 8, column: 3 },
      { code: "unsupported", severity: "warning", line: 12, column: 12 },
    ]);
  });

  it("allocates marks from the lowest bit of the mask, as Felix", () => {
    expect(markBitsFromMask(0xffff0000)).toEqual({ accept: 0x10000, pass: 0x20000, drop: 0x40000, scratch0: 0x80000, scratch1: 0x100000 });
    expect(markBitsFromMask(0xf0000001 >>> 0)).toEqual({ accept: 0x1, pass: 0x10000000, drop: 0x20000000, scratch0: 0x40000000, scratch1: 0x80000000 });
    expect(markBitsFromMask(0xf)).toBeUndefined();
  });
});
