/** Free TCP ports on the loopback interface, for servers a test starts. */
import { createServer, type Server } from "node:net";

/** `count` distinct ports that were free a moment ago (held open together, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", () => resolve()));
    servers.push(server);
    const address = server.address();
    if (address && typeof address === "object") ports.push(address.port);
  }
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}
