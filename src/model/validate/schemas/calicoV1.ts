/**
 * Schemas of the legacy calicoctl v1 kinds (`apiVersion: v1`, lower-case kinds; libcalico-go
 * lib/apis/v1): profile, policy, workloadEndpoint, hostEndpoint and ipPool.
 */
import { z } from "zod";
import { icmpFields, ipVersion, portValue, protocolValue, stringMap } from "./common.js";

export const v1EntityRuleSchema = z.strictObject({
  tag: z.string().optional(),
  notTag: z.string().optional(),
  net: z.string().optional(),
  nets: z.array(z.string()).optional(),
  notNet: z.string().optional(),
  notNets: z.array(z.string()).optional(),
  selector: z.string().optional(),
  notSelector: z.string().optional(),
  ports: z.array(portValue).optional(),
  notPorts: z.array(portValue).optional(),
});

export const v1RuleSchema = z.strictObject({
  // `next-tier` is the backend's spelling of `pass` (libcalico-go updateprocessors/rules.go).
  action: z.enum(["allow", "deny", "log", "pass", "next-tier"]),
  ipVersion: ipVersion.optional(),
  protocol: protocolValue.optional(),
  notProtocol: protocolValue.optional(),
  icmp: icmpFields.optional(),
  notICMP: icmpFields.optional(),
  source: v1EntityRuleSchema.optional(),
  destination: v1EntityRuleSchema.optional(),
});

/** v1 endpoint ports spell protocols in lower case; both spellings are accepted. */
const v1EndpointPort = z.strictObject({
  name: z.string(),
  protocol: z.enum(["tcp", "udp", "sctp", "TCP", "UDP", "SCTP"]),
  port: z.number().int(),
});

const rules = { ingress: z.array(v1RuleSchema).optional(), egress: z.array(v1RuleSchema).optional() };

function v1Resource<M extends z.ZodType, S extends z.ZodType>(metadata: M, spec: S) {
  return z.strictObject({ apiVersion: z.literal("v1"), kind: z.string(), metadata, spec });
}

export const v1ProfileSchema = v1Resource(
  z.strictObject({ name: z.string(), labels: stringMap.optional(), tags: z.array(z.string()).optional() }),
  z.strictObject(rules).optional(),
);

export const v1PolicySchema = v1Resource(
  z.strictObject({ name: z.string(), tier: z.string().optional(), annotations: stringMap.optional() }),
  z
    .strictObject({
      order: z.number().optional(),
      selector: z.string().optional(),
      types: z.array(z.enum(["ingress", "egress"])).min(1).max(2).optional(),
      // libcalico-go/lib/apis/v1/policy.go; applyOnForward came with calicoctl v2.5.
      doNotTrack: z.boolean().optional(),
      preDNAT: z.boolean().optional(),
      applyOnForward: z.boolean().optional(),
      ...rules,
    })
    .optional(),
);

export const v1WorkloadEndpointSchema = v1Resource(
  z.strictObject({
    name: z.string(),
    workload: z.string().optional(),
    orchestrator: z.string().optional(),
    node: z.string(),
    labels: stringMap.optional(),
    activeInstanceID: z.string().optional(),
  }),
  z.strictObject({
    interfaceName: z.string(),
    ipNetworks: z.array(z.string()).optional(),
    profiles: z.array(z.string()).optional(),
    mac: z.string().optional(),
    ipNATs: z.unknown().optional(),
    ipv4Gateway: z.string().optional(),
    ipv6Gateway: z.string().optional(),
    ports: z.array(v1EndpointPort).optional(),
  }),
);

export const v1HostEndpointSchema = v1Resource(
  z.strictObject({ name: z.string(), node: z.string(), labels: stringMap.optional() }),
  z.strictObject({
    interfaceName: z.string().optional(),
    expectedIPs: z.array(z.string()).optional(),
    profiles: z.array(z.string()).optional(),
    ports: z.array(v1EndpointPort).optional(),
  }),
);

export const v1IpPoolSchema = v1Resource(
  z.strictObject({ cidr: z.string() }),
  z
    .strictObject({
      ipip: z
        .strictObject({ enabled: z.boolean().optional(), mode: z.enum(["always", "cross-subnet", ""]).optional() })
        .optional(),
      "nat-outgoing": z.boolean().optional(),
      disabled: z.boolean().optional(),
    })
    .optional(),
);

export type V1RuleInput = z.output<typeof v1RuleSchema>;
export type V1EntityRuleInput = z.output<typeof v1EntityRuleSchema>;
