/**
 * Schemas of Calico v3 rules and entity rules (api/policy_common.go). `services` and `http` are
 * accepted here so they can be reported as unsupported rather than silently dropped.
 */
import { z } from "zod";
import { icmpFields, ipVersion, portValue, protocolValue, stringMap } from "./common.js";

export const entityRuleSchema = z.strictObject({
  nets: z.array(z.string()).optional(),
  notNets: z.array(z.string()).optional(),
  selector: z.string().optional(),
  notSelector: z.string().optional(),
  namespaceSelector: z.string().optional(),
  serviceAccounts: z
    .strictObject({ names: z.array(z.string()).optional(), selector: z.string().optional() })
    .optional(),
  ports: z.array(portValue).optional(),
  notPorts: z.array(portValue).optional(),
  services: z.unknown().optional(),
});

export const ruleSchema = z.strictObject({
  action: z.enum(["Allow", "Deny", "Log", "Pass"]),
  ipVersion: ipVersion.optional(),
  protocol: protocolValue.optional(),
  notProtocol: protocolValue.optional(),
  icmp: icmpFields.optional(),
  notICMP: icmpFields.optional(),
  source: entityRuleSchema.optional(),
  destination: entityRuleSchema.optional(),
  http: z.unknown().optional(),
  metadata: z.strictObject({ annotations: stringMap.optional() }).optional(),
});

export type EntityRuleInput = z.output<typeof entityRuleSchema>;
export type RuleInput = z.output<typeof ruleSchema>;
