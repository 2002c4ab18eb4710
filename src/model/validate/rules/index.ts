/**
 * The semantic rules, in the order they run. Resource rules see one built resource each; model
 * rules run afterwards over the resources that passed.
 */
import { clusterPolicyPriority } from "./clusterPolicyPriority.js";
import { clusterPolicyReleases } from "./clusterPolicyReleases.js";
import { catchAllNotNets } from "./catchAllNotNets.js";
import { duplicateEndpointIps } from "./duplicateEndpointIps.js";
import { duplicateResources } from "./duplicateResources.js";
import { endpointPorts } from "./endpointPorts.js";
import { gnpOptions } from "./gnpOptions.js";
import { hostEndpointAddress } from "./hostEndpointAddress.js";
import { icmpProtocol } from "./icmpProtocol.js";
import { icmpRange } from "./icmpRange.js";
import { ipBlockExcept } from "./ipBlockExcept.js";
import { ipFamilies } from "./ipFamilies.js";
import { k8sPeers } from "./k8sPeers.js";
import { k8sPolicyPorts } from "./k8sPolicyPorts.js";
import { labelSyntax } from "./labelSyntax.js";
import { policyTypes } from "./policyTypes.js";
import { portsNeedProtocol } from "./portsNeedProtocol.js";
import { protocolNames } from "./protocolNames.js";
import { resourceNames } from "./resourceNames.js";
import { rulePorts } from "./rulePorts.js";
import { selectorGlobal } from "./selectorGlobal.js";
import { serviceMatches } from "./serviceMatches.js";
import type { ModelRule, ResourceRule } from "./types.js";
import { unknownTier } from "./unknownTier.js";
import { v1Tags } from "./v1Tags.js";

export type { ModelRule, Report, ResourceRule } from "./types.js";

export const resourceRules: readonly ResourceRule[] = [
  resourceNames,
  labelSyntax,
  protocolNames,
  portsNeedProtocol,
  rulePorts,
  icmpProtocol,
  icmpRange,
  catchAllNotNets,
  ipFamilies,
  selectorGlobal,
  v1Tags,
  policyTypes,
  gnpOptions,
  k8sPeers,
  k8sPolicyPorts,
  ipBlockExcept,
  endpointPorts,
  hostEndpointAddress,
  serviceMatches,
];

export const modelRules: readonly ModelRule[] = [duplicateResources, unknownTier, duplicateEndpointIps, clusterPolicyPriority, clusterPolicyReleases];
