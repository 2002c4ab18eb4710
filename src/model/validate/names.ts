/**
 * Name formats from Kubernetes (apimachinery validation) and Calico (libcalico-go validator).
 */

// The patterns are module constants: a regular expression literal in a function body makes a new
// RegExp object each time it is evaluated, and these run for every name of a cluster.
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const portNameAlphabet = /^[a-z0-9-]+$/;
const hasLetter = /[a-z]/;
const calicoName = /^[a-zA-Z0-9_.-]{1,128}$/;

/** RFC 1123 label: at most 63 characters, lower-case alphanumerics and '-', alphanumeric at both ends. */
export function isDnsLabel(s: string): boolean {
  return s.length <= 63 && dnsLabel.test(s);
}

/** RFC 1123 subdomain: at most 253 characters, dot-separated labels. */
export function isDnsSubdomain(s: string): boolean {
  return s.length > 0 && s.length <= 253 && dnsSubdomain.test(s);
}

const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** A Kubernetes qualified name (label key): optional DNS-subdomain prefix and '/', then a name of at most 63. */
export function isQualifiedName(s: string): boolean {
  const slash = s.lastIndexOf("/");
  const name = slash < 0 ? s : s.slice(slash + 1);
  if (slash >= 0) {
    const prefix = s.slice(0, slash);
    if (!isDnsSubdomain(prefix)) return false;
  }
  return name.length > 0 && name.length <= 63 && qualifiedNamePart.test(name);
}

/** A Kubernetes label value: empty, or at most 63 characters of the qualified-name alphabet. */
export function isLabelValue(s: string): boolean {
  return s === "" || (s.length <= 63 && qualifiedNamePart.test(s));
}

/**
 * A Kubernetes port name (IANA service name, RFC 6335): at most 15 characters, lower-case
 * alphanumerics and '-', at least one letter, no '-' at either end and no "--".
 */
export function isK8sPortName(s: string): boolean {
  return (
    s.length > 0 &&
    s.length <= 15 &&
    portNameAlphabet.test(s) &&
    hasLetter.test(s) &&
    !s.startsWith("-") &&
    !s.endsWith("-") &&
    !s.includes("--")
  );
}

/** A Calico named port: `^[a-zA-Z0-9_.-]{1,128}$` (numorstring) and a valid Kubernetes port name. */
export function isCalicoPortName(s: string): boolean {
  return calicoName.test(s) && isK8sPortName(s);
}

/** A calicoctl v1 tag or name: `^[a-zA-Z0-9_.-]{1,128}$`. */
export function isV1Name(s: string): boolean {
  return calicoName.test(s);
}

/** Calico NetworkPolicy names: `label`, `label.label`, `knp.default.<subdomain>` or `ossg.default.<subdomain>`. */
export function isNetworkPolicyName(s: string): boolean {
  for (const prefix of ["knp.default.", "ossg.default."]) {
    if (s.startsWith(prefix)) return s.length <= 253 && isDnsSubdomain(s.slice(prefix.length));
  }
  return isGlobalNetworkPolicyName(s);
}

/** GlobalNetworkPolicy names: `label` or `label.label`. */
export function isGlobalNetworkPolicyName(s: string): boolean {
  const parts = s.split(".");
  return s.length <= 253 && parts.length <= 2 && parts.every(isDnsLabel);
}
