/**
 * A real Redis server for a test (Debian's redis-server): on a free loopback port, its data in a
 * temporary folder, stopped by its PID. Restartable on the same port and data, to show what survives.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts } from "./ports.js";
import { start, waitFor, type StartedProcess } from "./process.js";
import { requireTool } from "./tools.js";

/** A running Redis. */
export interface TestRedis {
  url: string;
  port: number;
  /** Stops it (SIGTERM: Redis saves its snapshot) and starts it again on the same port and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => socket.write("PING\r\n"));
    socket.once("data", (d) => {
      socket.destroy();
      resolve(d.toString().startsWith("+PONG"));
    });
    socket.once("error", () => resolve(false));
  });

/** Starts redis-server on 127.0.0.1 with snapshots in a temporary folder. */
export async function startRedis(): Promise<TestRedis> {
  const binary = requireTool("redis-server");
  const dir = mkdtempSync(join(tmpdir(), "redis-"));
  const [port] = await freePorts(1);
  let proc: StartedProcess | undefined;
  const launch = async () => {
    proc = start(binary, [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--save",
      "1 1",
      "--appendonly",
      "yes",
      "--protected-mode",
      "yes",
    ]);
    await waitFor("redis-server to answer PING", () => answers(port!), 15_000);
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port: port!,
    async restart() {
      await proc?.stop();
      await launch();
    },
    async stop() {
      await proc?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
