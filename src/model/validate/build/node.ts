/**
 * Builders for nodes: the Calico v3 `Node` and the Kubernetes `Node`, both read into the shape
 * Felix's calculation graph sees (libcalico-go/lib/apis/internalapi/node.go). A Kubernetes Node
 * becomes one as libcalico-go's `K8sNodeToCalico` makes it
 * (libcalico-go/lib/backend/k8s/resources/node.go): the BGP addresses and VXLAN tunnel addresses
 * from Calico's annotations, the address list from `status.addresses` (InternalIP, ExternalIP).
 */
import type { z } from "zod";
import type { CalicoNode, K8sNode, NodeAddress } from "../../types.js";
import type * as s3 from "../schemas/calicoV3.js";
import type { K8sNodeInput } from "../schemas/kubernetes.js";
import { canonicalAddress, parseCidr } from "../cidr.js";
import { reportError, reportWarning, type BuildContext } from "./context.js";
import { buildMetadata } from "./kubernetes.js";

type NodeInput = z.output<typeof s3.nodeSchema>;

/** The annotations a Kubernetes Node carries Calico's fields in (libcalico-go k8s/resources/node.go). */
export const NODE_ANNOTATIONS = {
  ipv4Address: "projectcalico.org/IPv4Address",
  ipv6Address: "projectcalico.org/IPv6Address",
  ipv4VXLANTunnelAddr: "projectcalico.org/IPv4VXLANTunnelAddr",
  ipv6VXLANTunnelAddr: "projectcalico.org/IPv6VXLANTunnelAddr",
} as const;

type Report = (message: string) => void;

/**
 * A BGP address: Calico requires the CIDR form (`cidrv4`/`cidrv6`); Felix keeps the address and
 * drops the prefix length (felix/dataplane/linux/ipset_hosts_mgr.go, "Remove subnet mask").
 */
function bgpAddress(value: string | undefined, family: 4 | 6, report: Report): string | undefined {
  if (value === undefined || value === "") return undefined;
  const slash = value.indexOf("/");
  const parsed = parseCidr(value);
  const addr = canonicalAddress(slash < 0 ? value : value.slice(0, slash));
  if (slash < 0 || !parsed.ok || !addr || addr.family !== family) {
    report(`"${value}" is not an IPv${family} CIDR (address/prefix), which Calico requires here; Felix ignores it`);
    return undefined;
  }
  return addr.text;
}

/** A tunnel address (a bare IP of the family). */
function tunnelAddress(value: string | undefined, family: 4 | 6, report: Report): string | undefined {
  if (value === undefined || value === "") return undefined;
  const addr = canonicalAddress(value);
  if (!addr || addr.family !== family) {
    report(`"${value}" is not an IPv${family} address; Felix ignores it`);
    return undefined;
  }
  return addr.text;
}

/** An address of the address list: an IP or a CIDR (`net`), kept as its address. */
function listAddress(value: string, report: Report): string | undefined {
  const slash = value.indexOf("/");
  const addr = canonicalAddress(slash < 0 ? value : value.slice(0, slash));
  if (!addr || (slash >= 0 && !parseCidr(value).ok)) {
    report(`"${value}" is not an IP address or CIDR; Felix ignores it`);
    return undefined;
  }
  return addr.text;
}

export function buildCalicoNode(ctx: BuildContext, input: NodeInput): CalicoNode {
  const spec = input.spec ?? {};
  const err = (path: string): Report => (message) => reportError(ctx, "invalid-cidr", message, path);
  const bgpIn = spec.bgp;
  const ipv4Address = bgpAddress(bgpIn?.ipv4Address, 4, err("spec.bgp.ipv4Address"));
  const ipv6Address = bgpAddress(bgpIn?.ipv6Address, 6, err("spec.bgp.ipv6Address"));
  // Felix treats a BGP spec with nothing set as a deleted node (felix/calc/dataplane_passthru.go).
  const empty = bgpIn !== undefined && Object.values(bgpIn).every((v) => v === undefined || v === "");
  const addresses: NodeAddress[] = [];
  (spec.addresses ?? []).forEach((a, i) => {
    const address = listAddress(a.address, err(`spec.addresses.${i}.address`));
    if (address !== undefined) addresses.push({ address, type: a.type ?? "" });
  });
  const ipv4VXLANTunnelAddr = tunnelAddress(spec.ipv4VXLANTunnelAddr, 4, err("spec.ipv4VXLANTunnelAddr"));
  const ipv6VXLANTunnelAddr = tunnelAddress(spec.ipv6VXLANTunnelAddr, 6, err("spec.ipv6VXLANTunnelAddr"));
  return {
    kind: "Node",
    metadata: buildMetadata(input.metadata, false),
    origin: ctx.origin,
    ...(bgpIn !== undefined ? { bgp: { ...(ipv4Address ? { ipv4Address } : {}), ...(ipv6Address ? { ipv6Address } : {}), empty } } : {}),
    addresses,
    ...(ipv4VXLANTunnelAddr ? { ipv4VXLANTunnelAddr } : {}),
    ...(ipv6VXLANTunnelAddr ? { ipv6VXLANTunnelAddr } : {}),
  };
}

export function buildK8sNode(ctx: BuildContext, input: K8sNodeInput): K8sNode {
  const metadata = buildMetadata(input.metadata, false);
  const notes = metadata.annotations;
  // libcalico-go validates each annotation and ignores one that does not parse: a warning here.
  const warn = (key: string): Report => (message) => reportWarning(ctx, "invalid-cidr", message, `metadata.annotations.${key}`);
  const ipv4Address = bgpAddress(notes[NODE_ANNOTATIONS.ipv4Address], 4, warn(NODE_ANNOTATIONS.ipv4Address));
  const ipv6Address = bgpAddress(notes[NODE_ANNOTATIONS.ipv6Address], 6, warn(NODE_ANNOTATIONS.ipv6Address));
  const ipv4VXLANTunnelAddr = tunnelAddress(notes[NODE_ANNOTATIONS.ipv4VXLANTunnelAddr], 4, warn(NODE_ANNOTATIONS.ipv4VXLANTunnelAddr));
  const ipv6VXLANTunnelAddr = tunnelAddress(notes[NODE_ANNOTATIONS.ipv6VXLANTunnelAddr], 6, warn(NODE_ANNOTATIONS.ipv6VXLANTunnelAddr));
  // `fillAllAddresses`: the BGP addresses (CalicoNodeIP), then InternalIP and ExternalIP.
  const addresses: NodeAddress[] = [];
  if (ipv4Address) addresses.push({ address: ipv4Address, type: "CalicoNodeIP" });
  if (ipv6Address) addresses.push({ address: ipv6Address, type: "CalicoNodeIP" });
  (input.status?.addresses ?? []).forEach((a, i) => {
    if (a.type !== "InternalIP" && a.type !== "ExternalIP") return;
    const address = listAddress(a.address, (message) => reportWarning(ctx, "invalid-cidr", message, `status.addresses.${i}.address`));
    if (address !== undefined) addresses.push({ address, type: a.type });
  });
  // The BGP spec is set only when some annotation filled it (libcalico-go compares it to the zero value).
  const hasBgp = ipv4Address !== undefined || ipv6Address !== undefined;
  return {
    kind: "K8sNode",
    metadata,
    origin: ctx.origin,
    ...(hasBgp ? { bgp: { ...(ipv4Address ? { ipv4Address } : {}), ...(ipv6Address ? { ipv6Address } : {}), empty: false } } : {}),
    addresses,
    ...(ipv4VXLANTunnelAddr ? { ipv4VXLANTunnelAddr } : {}),
    ...(ipv6VXLANTunnelAddr ? { ipv6VXLANTunnelAddr } : {}),
  };
}
