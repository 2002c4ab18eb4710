/**
 * A real etcd for tests: Debian's etcd-server (3.4), on free loopback ports, with a temporary
 * data directory, optionally with TLS and client certificates made with openssl at test time.
 * `etcdAvailable()` says whether the binaries are there; suites skip loudly without them (.ci/run
 * installs them).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function etcdAvailable(): boolean {
  return spawnSync("sh", ["-c", "command -v etcd && command -v openssl"], { encoding: "utf8" }).status === 0;
}

/** Prints a banner when etcd is missing, so a skipped suite is never silent. */
export function warnIfEtcdUnavailable(suite: string): void {
  if (etcdAvailable()) return;
  const bar = "!".repeat(78);
  console.warn(`${bar}\n!!! ETCD TESTS SKIPPED: ${suite}\n!!! reason: etcd (Debian etcd-server) or openssl is not installed\n!!! These tests did NOT run.\n${bar}`);
}

/** A free TCP port on `host`. */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, host, () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface TestTls {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  /** A client certificate from another CA (which the server must refuse). */
  readonly strangerCert: string;
  readonly strangerKey: string;
}

/**
 * A CA, a server certificate for `host` (serverAuth and clientAuth: etcd's gateway dials its own
 * gRPC server with the server's certificate) and a client certificate, made with openssl.
 */
export function makeTls(dir: string, host = "127.0.0.1"): { server: { cert: string; key: string }; client: TestTls; files: Record<string, string> } {
  const run = (args: string[]): void => {
    const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
  };
  const ca = (name: string): void => {
    run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.crt`]);
  };
  const leaf = (name: string, issuer: string, ext: string): void => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    run(["req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`]);
    run(["x509", "-req", "-in", `${name}.csr`, "-CA", `${issuer}.crt`, "-CAkey", `${issuer}.key`, "-CAcreateserial", "-days", "2", "-extfile", `${name}.ext`, "-out", `${name}.crt`]);
  };
  ca("ca");
  ca("stranger-ca");
  leaf("server", "ca", `subjectAltName=IP:${host}\nextendedKeyUsage=serverAuth,clientAuth\n`);
  leaf("client", "ca", "extendedKeyUsage=clientAuth\n");
  leaf("stranger", "stranger-ca", "extendedKeyUsage=clientAuth\n");
  const read = (f: string): string => readFileSync(join(dir, f), "utf8");
  return {
    server: { cert: read("server.crt"), key: read("server.key") },
    client: { ca: read("ca.crt"), cert: read("client.crt"), key: read("client.key"), strangerCert: read("stranger.crt"), strangerKey: read("stranger.key") },
    files: { ca: join(dir, "ca.crt"), serverCert: join(dir, "server.crt"), serverKey: join(dir, "server.key"), clientCert: join(dir, "client.crt"), clientKey: join(dir, "client.key") },
  };
}

export interface TestEtcd {
  readonly endpoint: string;
  readonly dataDir: string;
  readonly tls?: TestTls;
  /** With `unixSocket`: the socket etcd also serves its clients on (reachable from any netns). */
  readonly socketPath?: string;
  /** The etcd process's id while it runs (to read its CPU time from /proc). */
  readonly pid: number | undefined;
  /** Stops etcd (`signal`, default SIGTERM, then SIGKILL) and removes its data unless `keepData`. */
  stop(keepData?: boolean, signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same ports and data (after `stop(true)`). */
  restart(): Promise<void>;
}

export interface EtcdSpec {
  readonly tls?: boolean;
  /** Listen here instead of 127.0.0.1 (an address of a test network, say). */
  readonly host?: string;
  /** Run inside this network namespace (`ip netns exec`). */
  readonly netns?: string;
  /** Extra etcd flags. */
  readonly flags?: readonly string[];
  /**
   * Also serve clients on a Unix socket in the data directory (`socketPath`). A socket file is
   * reached through the file system, so a test process outside `netns` can still talk to an etcd
   * that listens only on a test network's address (see `forwardToUnixSocket`).
   */
  readonly unixSocket?: boolean;
}

/** Starts an etcd and waits until it answers. */
export async function startEtcd(spec: EtcdSpec = {}): Promise<TestEtcd> {
  const host = spec.host ?? "127.0.0.1";
  const dir = mkdtempSync(join(tmpdir(), "policyc-etcd-"));
  const [clientPort, peerPort] = spec.netns ? [23790 + Math.floor(Math.random() * 1000), 24790 + Math.floor(Math.random() * 1000)] : [await freePort(host), await freePort(host)];
  const scheme = spec.tls ? "https" : "http";
  const tls = spec.tls ? makeTls(dir, host) : undefined;
  const endpoint = `${scheme}://${host}:${clientPort}`;
  // etcd takes a Unix URL as unix://<path>:<port>, the path relative to its working directory
  // (the socket file is then named "etcd.sock:0").
  const socketPath = spec.unixSocket ? join(dir, "etcd.sock:0") : undefined;
  const args = [
    "--name", "test",
    "--data-dir", join(dir, "data"),
    "--listen-client-urls", spec.unixSocket ? `${endpoint},unix://etcd.sock:0` : endpoint,
    "--advertise-client-urls", endpoint,
    "--listen-peer-urls", `http://${host}:${peerPort}`,
    "--initial-advertise-peer-urls", `http://${host}:${peerPort}`,
    "--initial-cluster", `test=http://${host}:${peerPort}`,
    "--log-level", "error",
    ...(tls ? ["--cert-file", tls.files.serverCert!, "--key-file", tls.files.serverKey!, "--trusted-ca-file", tls.files.ca!, "--client-cert-auth"] : []),
    ...(spec.flags ?? []),
  ];
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const [cmd, cmdArgs] = spec.netns ? ["ip", ["netns", "exec", spec.netns, "etcd", ...args]] : ["etcd", args];
    // A socket left by a killed etcd would stop the next one from listening.
    if (socketPath) rmSync(socketPath, { force: true });
    child = spawn(cmd, cmdArgs as string[], { cwd: dir, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.env.ETCD_UNSUPPORTED_ARCH ?? "" } });
    let stderr = "";
    child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`etcd exited: ${stderr}`);
      const curl = spawnSync(spec.netns ? "ip" : "curl", [...(spec.netns ? ["netns", "exec", spec.netns, "curl"] : []), "-s", "-m", "1", ...(tls ? ["--cacert", tls.files.ca!, "--cert", tls.files.clientCert!, "--key", tls.files.clientKey!] : []), "-X", "POST", "-d", "{}", `${endpoint}/v3/maintenance/status`], { encoding: "utf8" });
      if (curl.status === 0 && curl.stdout.includes("version")) return;
      if (Date.now() > deadline) throw new Error(`etcd did not answer at ${endpoint}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await launch();
  const stopChild = async (signal: NodeJS.Signals = "SIGTERM"): Promise<void> => {
    const c = child;
    // A process ended by a signal has a null exitCode and a signalCode (etcd re-raises SIGTERM).
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once("exit", () => r()));
    c.kill(signal);
    const timer = setTimeout(() => c.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  return {
    endpoint,
    dataDir: dir,
    ...(tls ? { tls: tls.client } : {}),
    ...(socketPath ? { socketPath } : {}),
    get pid() {
      return child?.pid;
    },
    async stop(keepData = false, signal: NodeJS.Signals = "SIGTERM") {
      await stopChild(signal);
      if (!keepData) rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await stopChild();
      await launch();
    },
  };
}

/** A local TCP door to a Unix socket: an endpoint on 127.0.0.1 whose connections are piped to `path`. */
export interface UnixForward {
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * Forwards `http://127.0.0.1:<port>` to the Unix socket `path` (an etcd started with
 * `unixSocket`), so clients that take a URL (EtcdClient, `policyc datastore`) reach an etcd in
 * another network namespace. Each connection is piped as is; when either end closes or fails, so
 * does the other (a stopped etcd looks stopped through the door).
 */
export async function forwardToUnixSocket(path: string): Promise<UnixForward> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ path });
    sockets.add(client);
    sockets.add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
