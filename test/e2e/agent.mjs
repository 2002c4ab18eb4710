#!/usr/bin/env node
/* global setTimeout, clearTimeout */
// Server and prober for the real-kernel conformance suite. Runs inside a pod's network namespace
// (`ip netns exec <ns> node agent.mjs ...`); plain Node, no dependencies.
//
//   serve --tcp 80,8080 --udp 53
//     Listens on :: (dual stack) on every TCP port (accept, write "ok", close) and every UDP port
//     (echo each datagram back). Prints one line "ready" on stdout once every socket is bound,
//     then runs until killed. It also takes probe batches on stdin, one JSON line each:
//     {"id": 1, "probes": [...as for probe...], "timeoutMs": 400}, and answers each with a line
//     {"id": 1, "results": [true, false, ...]}, so the suite starts one process per netns, not
//     one per probe round (Node takes 50-400 ms to start).
//
//   serve ... --tcp-peer 8081
//     Also listens on each --tcp-peer port and answers "ok <address>" with the address the
//     connection came from (IPv4 without its ::ffff: prefix): what the server saw after NAT.
//
//   peer '<json {ip, port, src?}>' --timeout-ms 400
//     Connects to a --tcp-peer port and prints what the server saw ("" when it did not answer).
//
//   probe '<json [{ip, port, proto: "tcp"|"udp"|"icmp", src?}]>' --timeout-ms 400
//     Runs every probe in parallel and prints a JSON array of booleans in the same order.
//     TCP: connected and read the reply. UDP: the echo came back. ICMP: one `ping` (iputils)
//     got an echo reply; `port` is ignored. `src` binds the probe to that local address (the
//     world namespace holds several hosts' addresses).
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import os from "node:os";
import net from "node:net";
import readline from "node:readline";

const [command, ...rest] = process.argv.slice(2);

function option(name, fallback) {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 && i + 1 < rest.length ? rest[i + 1] : fallback;
}

/** Every unicast address of this namespace except IPv6 link-local ones (they need a scope). */
function localAddresses() {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a && !(a.family === "IPv6" && a.address.toLowerCase().startsWith("fe80:")))
    .map((a) => a.address);
}

function portList(text) {
  return text ? text.split(",").filter((p) => p !== "").map(Number) : [];
}

async function serve() {
  const bound = [];
  for (const port of portList(option("tcp", ""))) {
    const server = net.createServer((socket) => {
      socket.on("error", () => {});
      socket.end("ok");
    });
    bound.push(new Promise((resolve, reject) => server.listen({ host: "::", port, ipv6Only: false }, resolve).on("error", reject)));
  }
  for (const port of portList(option("tcp-peer", ""))) {
    const server = net.createServer((socket) => {
      socket.on("error", () => {});
      socket.end(`ok ${(socket.remoteAddress ?? "").replace(/^::ffff:/, "")}\n`);
    });
    bound.push(new Promise((resolve, reject) => server.listen({ host: "::", port, ipv6Only: false }, resolve).on("error", reject)));
  }
  // One UDP socket per local address, not one on the wildcard: a wildcard socket replies from
  // the namespace's primary address, which a prober that sent to a secondary address discards.
  for (const port of portList(option("udp", ""))) {
    for (const address of localAddresses()) {
      const socket = dgram.createSocket(address.includes(":") ? "udp6" : "udp4");
      socket.on("message", (msg, from) => socket.send(msg, from.port, from.address));
      bound.push(new Promise((resolve, reject) => socket.bind({ port, address }, resolve).on("error", reject)));
    }
  }
  await Promise.all(bound);
  process.stdout.write("ready\n");
  const lines = readline.createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.trim() === "") return;
    const { id, probes, timeoutMs } = JSON.parse(line);
    runProbes(probes, timeoutMs).then((results) => process.stdout.write(JSON.stringify({ id, results }) + "\n"));
  });
  // The suite closing our stdin means it is done with us.
  lines.on("close", () => process.exit(0));
}

function probeTcp(ip, port, src, timeoutMs) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: ip, port, ...(src ? { localAddress: src } : {}) });
    let data = "";
    const done = (ok) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on("data", (chunk) => {
      data += chunk.toString();
      if (data.includes("ok")) done(true);
    });
    socket.on("error", () => done(false));
    socket.on("close", () => done(data.includes("ok")));
  });
}

function probeUdp(ip, port, src, timeoutMs) {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(ip.includes(":") ? "udp6" : "udp4");
    const payload = `probe-${process.pid}-${port}`;
    const done = (ok) => {
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on("message", (msg) => {
      if (msg.toString() === payload) done(true);
    });
    // An ICMP port-unreachable surfaces as an error on a connected socket; treat it as refused.
    socket.on("error", () => done(false));
    const connect = () =>
      socket.connect(port, ip, (err) => {
        if (err) done(false);
        else socket.send(payload);
      });
    if (src) socket.bind({ address: src, port: 0 }, connect);
    else connect();
  });
}

function probeIcmp(ip, src, timeoutMs) {
  return new Promise((resolve) => {
    // iputils ping takes a fractional -W (seconds to wait for the reply).
    const args = [ip.includes(":") ? "-6" : "-4", "-n", "-q", "-c1", "-W", String(timeoutMs / 1000), ...(src ? ["-I", src] : []), ip];
    const child = spawn("ping", args, { stdio: "ignore" });
    child.on("error", () => resolve(false));
    child.on("exit", (code) => resolve(code === 0));
  });
}

function runProbes(probes, timeoutMs) {
  return Promise.all(
    probes.map((p) =>
      p.proto === "tcp"
        ? probeTcp(p.ip, p.port, p.src, timeoutMs)
        : p.proto === "udp"
          ? probeUdp(p.ip, p.port, p.src, timeoutMs)
          : probeIcmp(p.ip, p.src, timeoutMs),
    ),
  );
}

/** What a --tcp-peer server saw as our address, or "" when it did not answer in time. */
function peerSeen(ip, port, src, timeoutMs) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: ip, port, ...(src ? { localAddress: src } : {}) });
    let data = "";
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      const m = /^ok (\S+)/.exec(data);
      resolve(m ? m[1] : "");
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on("data", (chunk) => {
      data += chunk.toString();
      if (data.includes("\n")) done();
    });
    socket.on("error", done);
    socket.on("close", done);
  });
}

async function probe() {
  const results = await runProbes(JSON.parse(rest[0] ?? "[]"), Number(option("timeout-ms", "400")));
  process.stdout.write(JSON.stringify(results) + "\n");
}

if (command === "serve") {
  serve().catch((e) => {
    process.stderr.write(`agent serve: ${e.message}\n`);
    process.exit(1);
  });
} else if (command === "peer") {
  const { ip, port, src } = JSON.parse(rest[0] ?? "{}");
  peerSeen(ip, port, src, Number(option("timeout-ms", "400"))).then((seen) => process.stdout.write(seen + "\n"));
} else if (command === "probe") {
  probe().catch((e) => {
    process.stderr.write(`agent probe: ${e.message}\n`);
    process.exit(1);
  });
} else {
  process.stderr.write("usage: agent.mjs serve --tcp 80,8080 --udp 53 | agent.mjs probe '<json>' --timeout-ms 400\n");
  process.exit(2);
}
