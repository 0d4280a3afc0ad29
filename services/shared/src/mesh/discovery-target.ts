/**
 * The Novares discovery address a box announces to, as a grpc-js target: `host:port`, or a list of
 * routers `ipv4:a:port,b:port` / `ipv6:[a]:port,[b]:port` (grpc-js's naming, where pick-first moves to
 * the next router when one fails — how a box announces to several routers, see README "Novares
 * survives a lost node"), or `dns:host:port` / `dns:///host:port`. Shared by the box's settings
 * validation and the panel's form so both accept exactly the same addresses.
 */

const hostPort = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
const ipv4Port = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d{1,5})$/;
const ipv6Port = /^\[[0-9a-fA-F:.]+\]:(\d{1,5})$/;

const portOk = (port: string | undefined) => port !== undefined && Number(port) >= 1 && Number(port) <= 65535;

function isHostPort(value: string): boolean {
  const m = hostPort.exec(value);
  return m !== null && portOk(m[2]);
}

function isIpv4Port(value: string): boolean {
  const m = ipv4Port.exec(value);
  return m !== null && m.slice(1, 5).every((octet) => Number(octet) <= 255) && portOk(m[5]);
}

function isIpv6Port(value: string): boolean {
  const m = ipv6Port.exec(value);
  return m !== null && portOk(m[1]);
}

/** True when `address` is a discovery address a box can dial (see the module comment). */
export function isDiscoveryTarget(address: string): boolean {
  if (address.startsWith("ipv4:")) {
    const list = address.slice(5).split(",");
    return list.length > 0 && list.every(isIpv4Port);
  }
  if (address.startsWith("ipv6:")) {
    const list = address.slice(5).split(",");
    return list.length > 0 && list.every(isIpv6Port);
  }
  if (address.startsWith("dns:")) return isHostPort(address.slice(4).replace(/^\/\/\//, ""));
  return isHostPort(address);
}
