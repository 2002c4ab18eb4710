import { describe, expect, it } from "vitest";
import { policyName, profileName } from "./displayNames.js";

describe("display names", () => {
  it("names policies as people know them, never by Calico's derived names", () => {
    expect(policyName("K8sNetworkPolicy", "shop/web-to-api")).toBe("NetworkPolicy shop/web-to-api");
    // The Kubernetes NetworkPolicy as kube-controllers stores it in etcd.
    expect(policyName("NetworkPolicy", "shop/knp.default.web-to-api")).toBe("NetworkPolicy shop/web-to-api");
    expect(policyName("NetworkPolicy", "shop/db")).toBe("Calico NetworkPolicy shop/db");
    expect(policyName("GlobalNetworkPolicy", "x")).toBe("GlobalNetworkPolicy x");
    expect(policyName("ClusterNetworkPolicy", "y")).toBe("ClusterNetworkPolicy y");
    expect(policyName("AdminNetworkPolicy", "y")).toBe("AdminNetworkPolicy y");
    expect(policyName("BaselineAdminNetworkPolicy", "default")).toBe("BaselineAdminNetworkPolicy default");
    expect(policyName("V1Policy", "p")).toBe("calicoctl v1 policy p");
  });

  it("names profiles by the namespace or service account Calico made them for", () => {
    expect(profileName("kns.shop")).toBe("namespace shop");
    expect(profileName("ksa.shop.api")).toBe("service account shop/api");
    expect(profileName("ksa.shop.api.v2")).toBe("service account shop/api.v2");
    expect(profileName("z")).toBe("profile z");
    expect(profileName("projectcalico-default-allow")).toBe("profile projectcalico-default-allow");
    expect(profileName("kns.")).toBe("profile kns.");
  });
});
