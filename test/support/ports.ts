/**
 * Free TCP ports on the loopback interface, for servers a test starts.
 *
 * Ports come from 20000–32767, below Linux's default ephemeral range (32768–60999,
 * /proc/sys/net/ipv4/ip_local_port_range). A port the kernel hands out for `listen(0)` lies in
 * that range, and between our check and the server's own `listen` an outgoing connection of any
 * process could take it as its source port (seen as EADDRINUSE under load). Below the range only
 * servers that name their port compete; a random start per call keeps parallel Jest workers apart,
 * and each port is still checked free by binding it.
 */
import { createServer, type Server } from "node:net";

const FIRST = 20000;
const LAST = 32767;

/** `count` distinct ports that were free a moment ago (held open together, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  const ports: number[] = [];
  const span = LAST - FIRST + 1;
  let candidate = FIRST + Math.floor(Math.random() * span);
  for (let tried = 0; ports.length < count && tried < span; tried++) {
    const port = FIRST + ((candidate++ - FIRST) % span);
    const server = createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen({ port, host: "127.0.0.1", exclusive: true }, () => resolve(true));
    });
    if (!bound) continue;
    servers.push(server);
    ports.push(port);
  }
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  if (ports.length < count)
    throw new Error(`freePorts: only ${ports.length} of ${count} ports free in ${FIRST}–${LAST}`);
  return ports;
}
