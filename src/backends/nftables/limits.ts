/**
 * Kernel and nft limits the nftables backend respects, one named constant each, with the header
 * that fixes it. Each one is also checked against a real kernel in test/kernel/nftables.test.ts.
 */

/**
 * Longest chain, set or map name: 255 bytes. `NFT_CHAIN_MAXNAMELEN` and `NFT_SET_MAXNAMELEN` are
 * 256 including the NUL (linux/netfilter/nf_tables.h); a longer name fails with ERANGE
 * ("Numerical result out of range"). Felix uses knftables' `NameLengthMax` (256).
 */
export const MAX_NAME_LENGTH = 255;

/**
 * Longest rule or set comment: 128 bytes. nft stores it as user data and its parser rejects a
 * longer one ("comment too long, 128 characters maximum allowed"; `NFTNL_UDATA_COMMENT_MAXLEN`,
 * libnftnl/udata.h). nft(8) does not state the number, so the kernel test pins it.
 */
export const MAX_COMMENT_LENGTH = 128;

/**
 * Longest `log prefix`: 127 bytes. The kernel keeps `NF_LOG_PREFIXLEN` (128) bytes including the
 * NUL (include/net/netfilter/nf_log.h); nft_log refuses a longer prefix with ERANGE.
 */
export const MAX_LOG_PREFIX_LENGTH = 127;

/**
 * Longest interface name: 15 bytes. `IFNAMSIZ` is 16 including the NUL (linux/if.h); `iifname`
 * and the `ifname` map key type compare that many bytes.
 */
export const MAX_IFACE_NAME_LENGTH = 15;
