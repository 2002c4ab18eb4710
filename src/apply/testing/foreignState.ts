/**
 * Test support: rules and sets policyc does not own (a Docker-like chain, an administrator's
 * INPUT rule, kube-proxy's nat chain and ipset), to check that applies leave them untouched.
 */
export const FOREIGN_V4 = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
-A INPUT -s 1.2.3.4/32 -j DROP
-A FORWARD -j DOCKER
-A DOCKER -d 172.17.0.2/32 -j ACCEPT
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
-A PREROUTING -j KUBE-SERVICES
COMMIT
`;
export const FOREIGN_IPSET = "create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536\nadd KUBE-CLUSTER-IP 10.96.0.1,tcp:443\n";
