/**
 * Invariants: statements about who may never reach whom, in policyc's own API group
 * (`policyc.dev/v1alpha1`), which `policyc verify` proves over every endpoint, port and protocol.
 * They are read and validated like the other kinds (positions, unknown fields), kept in
 * `Model.invariants`, and never compiled: they are not policy, they are checks of it.
 *
 * Selectors are Calico selectors: `namespaceSelector` over the namespace's labels,
 * `selector` over the endpoint's own labels (both must match; absent: any).
 */
import type { Origin, SelectorField } from "./types.js";

export const INVARIANT_API_VERSION = "policyc.dev/v1alpha1";

/** The invariant kinds, as written in `kind`. */
export const invariantKinds = ["IsolationInvariant", "NeverReachInvariant", "OnlyReachInvariant", "DefaultDenyInvariant"] as const;
export type InvariantKind = (typeof invariantKinds)[number];

/** The endpoints a peer names: both selectors must match (absent: any). */
export interface InvariantPeer {
  readonly namespaceSelector?: SelectorField;
  readonly selector?: SelectorField;
}

/** Destination ports `first..last` of one protocol (every port when the entry names none). */
export interface InvariantPort {
  readonly protocol: "TCP" | "UDP" | "SCTP";
  readonly first: number;
  readonly last: number;
}

/** A declared door through an isolation: flows `from` -> `to` on `ports` are allowed to exist. */
export interface InvariantDoor {
  readonly from?: InvariantPeer;
  readonly to?: InvariantPeer;
  /** Absent: every protocol and port. */
  readonly ports?: readonly InvariantPort[];
}

interface InvariantBase {
  readonly name: string;
  readonly origin: Origin;
}

export type Invariant =
  /** Endpoints of namespaces with different values of `tenantLabel` never reach each other, except through `except`. */
  | (InvariantBase & { readonly kind: "IsolationInvariant"; readonly tenantLabel: string; readonly except: readonly InvariantDoor[] })
  /** No endpoint of `from` reaches an endpoint of `to` on `ports` (absent: any). */
  | (InvariantBase & { readonly kind: "NeverReachInvariant"; readonly from: InvariantPeer; readonly to: InvariantPeer; readonly ports?: readonly InvariantPort[] })
  /** Only endpoints of `only` reach an endpoint of `to` on `ports`. */
  | (InvariantBase & { readonly kind: "OnlyReachInvariant"; readonly to: InvariantPeer; readonly ports: readonly InvariantPort[]; readonly only: readonly InvariantPeer[] })
  /**
   * The endpoints of `endpoints` are default-deny in `direction`: every connection the direction
   * admits is allowed by a policy rule, none by a profile (a namespace's or Calico's default ones).
   */
  | (InvariantBase & { readonly kind: "DefaultDenyInvariant"; readonly endpoints: InvariantPeer; readonly direction: "Ingress" | "Egress" });
