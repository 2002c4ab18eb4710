/**
 * Builders for the invariant kinds (model/invariants.ts): selectors parsed with positions (Calico
 * syntax, as in policies), ports checked (`endPort` needs `port` and is not below it).
 */
import type { Invariant, InvariantDoor, InvariantPeer, InvariantPort } from "../../invariants.js";
import type {
  DefaultDenyInvariantInput,
  InvariantPeerInput,
  InvariantPortInput,
  IsolationInvariantInput,
  NeverReachInvariantInput,
  OnlyReachInvariantInput,
} from "../schemas/invariant.js";
import { at, buildSelector, reportError, type BuildContext } from "./context.js";

function peer(ctx: BuildContext, p: InvariantPeerInput | undefined, path: string): InvariantPeer | undefined {
  if (p === undefined) return undefined;
  const namespaceSelector = buildSelector(ctx, p.namespaceSelector, at(path, "namespaceSelector"));
  const selector = buildSelector(ctx, p.selector, at(path, "selector"));
  return { ...(namespaceSelector ? { namespaceSelector } : {}), ...(selector ? { selector } : {}) };
}

function ports(ctx: BuildContext, list: readonly InvariantPortInput[], path: string): InvariantPort[] {
  const out: InvariantPort[] = [];
  list.forEach((p, i) => {
    const protocol = p.protocol ?? "TCP";
    if (p.port === undefined) {
      if (p.endPort !== undefined) reportError(ctx, "invalid-port", "endPort needs port", at(path, i, "endPort"));
      else out.push({ protocol, first: 0, last: 65535 });
      return;
    }
    const last = p.endPort ?? p.port;
    if (last < p.port) reportError(ctx, "invalid-port", `endPort ${last} is below port ${p.port}`, at(path, i, "endPort"));
    else out.push({ protocol, first: p.port, last });
  });
  return out;
}

export function buildIsolationInvariant(ctx: BuildContext, d: IsolationInvariantInput): Invariant {
  const except = (d.spec.except ?? []).map((door, i): InvariantDoor => {
    const from = peer(ctx, door.from, at("spec.except", i, "from"));
    const to = peer(ctx, door.to, at("spec.except", i, "to"));
    return { ...(from ? { from } : {}), ...(to ? { to } : {}), ...(door.ports ? { ports: ports(ctx, door.ports, at("spec.except", i, "ports")) } : {}) };
  });
  return { kind: "IsolationInvariant", name: d.metadata.name, origin: ctx.origin, tenantLabel: d.spec.tenantLabel, except };
}

export function buildNeverReachInvariant(ctx: BuildContext, d: NeverReachInvariantInput): Invariant {
  return {
    kind: "NeverReachInvariant",
    name: d.metadata.name,
    origin: ctx.origin,
    from: peer(ctx, d.spec.from, "spec.from")!,
    to: peer(ctx, d.spec.to, "spec.to")!,
    ...(d.spec.ports ? { ports: ports(ctx, d.spec.ports, "spec.ports") } : {}),
  };
}

export function buildOnlyReachInvariant(ctx: BuildContext, d: OnlyReachInvariantInput): Invariant {
  return {
    kind: "OnlyReachInvariant",
    name: d.metadata.name,
    origin: ctx.origin,
    to: peer(ctx, d.spec.to, "spec.to")!,
    ports: ports(ctx, d.spec.ports, "spec.ports"),
    only: d.spec.only.map((p, i) => peer(ctx, p, at("spec.only", i))!),
  };
}

export function buildDefaultDenyInvariant(ctx: BuildContext, d: DefaultDenyInvariantInput): Invariant {
  return {
    kind: "DefaultDenyInvariant",
    name: d.metadata.name,
    origin: ctx.origin,
    endpoints: peer(ctx, d.spec, "spec")!,
    direction: d.spec.direction ?? "Ingress",
  };
}
