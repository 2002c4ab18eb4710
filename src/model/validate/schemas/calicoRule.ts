/**
 * Schemas of Calico v3 rules and entity rules (api/pkg/apis/projectcalico/v3/policy_common.go).
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
  services: z.strictObject({ name: z.string(), namespace: z.string().optional() }).optional(),
});

/** An HTTP match (application-layer policy): at most 20 methods and 20 paths (policy_common.go). */
const httpMatchSchema = z.strictObject({
  methods: z.array(z.string()).max(20).optional(),
  paths: z
    .array(z.union([z.strictObject({ exact: z.string() }), z.strictObject({ prefix: z.string() })]))
    .max(20)
    .optional(),
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
  http: httpMatchSchema.optional(),
  metadata: z.strictObject({ annotations: stringMap.optional() }).optional(),
});

export type EntityRuleInput = z.output<typeof entityRuleSchema>;
export type RuleInput = z.output<typeof ruleSchema>;
