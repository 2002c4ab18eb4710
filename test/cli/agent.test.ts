/** `policyc agent` on the command line, where no kernel or etcd is needed. */
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/runCli.js";

describe("policyc agent", () => {
  it("refuses a missing --node or a stray file with exit 2", async () => {
    expect((await runCli(["agent", "--etcd-endpoints", "http://127.0.0.1:9"])).code).toBe(2);
    expect((await runCli(["agent", "--node", "n", "--etcd-endpoints", "http://127.0.0.1:9", "policy.yaml"])).code).toBe(2);
  });

  it("with --once, exits 1 when etcd cannot be listed, having applied nothing (it used to retry for ever)", async () => {
    const r = await runCli(["agent", "--once", "--node", "node-1", "--etcd-endpoints", "http://127.0.0.1:9", "--lock-file", "/nonexistent/dir/lock"]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/ERROR listing etcd failed: etcd: no endpoint answered/);
    expect(r.stderr).not.toMatch(/in sync/);
  });
});
