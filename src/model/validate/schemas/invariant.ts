/**
 * Schemas of policyc's invariant kinds (`policyc.dev/v1alpha1`, see model/invariants.ts).
 * Strict objects, so that unknown fields are reported at their position like everywhere else.
 */
import { z } from "zod";
import { stringMap } from "./common.js";

const metadata = z.strictObject({ name: z.string().min(1), labels: stringMap.optional(), annotations: stringMap.optional() });
const envelope = { apiVersion: z.string(), kind: z.string(), metadata };

/** Calico selectors over the namespace's labels and the endpoint's labels (absent: any). */
const peerFields = { namespaceSelector: z.string().optional(), selector: z.string().optional() };
const peer = z.strictObject(peerFields);

/** A destination port, a range (`port`..`endPort`), or every port of the protocol (no `port`). */
const port = z.strictObject({
  protocol: z.enum(["TCP", "UDP", "SCTP"]).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  endPort: z.number().int().min(0).max(65535).optional(),
});
const ports = z.array(port);

export const isolationInvariantSchema = z.strictObject({
  ...envelope,
  spec: z.strictObject({
    tenantLabel: z.string().min(1),
    deny: z.literal("cross-tenant"),
    except: z.array(z.strictObject({ from: peer.optional(), to: peer.optional(), ports: ports.optional() })).optional(),
  }),
});

export const neverReachInvariantSchema = z.strictObject({
  ...envelope,
  spec: z.strictObject({ from: peer, to: peer, ports: ports.optional() }),
});

export const onlyReachInvariantSchema = z.strictObject({
  ...envelope,
  spec: z.strictObject({ to: peer, ports, only: z.array(peer) }),
});

export const defaultDenyInvariantSchema = z.strictObject({
  ...envelope,
  spec: z.strictObject({ ...peerFields, direction: z.enum(["Ingress", "Egress"]).optional() }),
});

export type InvariantPeerInput = z.output<typeof peer>;
export type InvariantPortInput = z.output<typeof port>;
export type IsolationInvariantInput = z.output<typeof isolationInvariantSchema>;
export type NeverReachInvariantInput = z.output<typeof neverReachInvariantSchema>;
export type OnlyReachInvariantInput = z.output<typeof onlyReachInvariantSchema>;
export type DefaultDenyInvariantInput = z.output<typeof defaultDenyInvariantSchema>;
