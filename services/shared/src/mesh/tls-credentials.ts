/**
 * Client TLS credentials for grpc-js that follow RFC 6066: the TLS ServerName (SNI) is sent only
 * for DNS names, never for an IP address.
 *
 * grpc-js 1.14 always sets `servername` to the target's host, so every mutual-TLS channel to an
 * address such as `127.0.0.1:50060` made Node print DEP0123 ("Setting the TLS ServerName to an IP
 * address is not permitted by RFC 6066") at start. Without a `servername`, Node's TLS client checks
 * the server's certificate against the host itself (its IP subjectAltName), so verification is
 * unchanged: only the SNI extension is left out for IP targets, as Node's own https agent does.
 *
 * This wraps the credentials grpc-js builds and edits the connection options of the connector they
 * create (grpc-js's `_createSecureConnector` contract, pinned with the package version; the mesh
 * tests and the "no deprecation warning at start" test fail if it changes).
 */
import { isIP } from "node:net";
import { ChannelCredentials, credentials as grpcCredentials, type CallCredentials } from "@grpc/grpc-js";
import type { ChannelOptions } from "@grpc/grpc-js";

type Connector = ReturnType<ChannelCredentials["_createSecureConnector"]>;
type Target = Parameters<ChannelCredentials["_createSecureConnector"]>[0];

/** Credentials that delegate to `inner` and drop an IP-address servername from its connections. */
class NoIpServernameCredentials extends ChannelCredentials {
  constructor(private readonly inner: ChannelCredentials) {
    super();
  }

  override compose(callCredentials: CallCredentials): ChannelCredentials {
    return new NoIpServernameCredentials(this.inner.compose(callCredentials));
  }

  _isSecure(): boolean {
    return this.inner._isSecure();
  }

  _equals(other: ChannelCredentials): boolean {
    return other === this || (other instanceof NoIpServernameCredentials && this.inner._equals(other.inner));
  }

  _createSecureConnector(channelTarget: Target, options: ChannelOptions, callCredentials?: CallCredentials): Connector {
    const connector = this.inner._createSecureConnector(channelTarget, options, callCredentials);
    const connectionOptions = (connector as { connectionOptions?: { servername?: string } }).connectionOptions;
    if (
      connectionOptions &&
      typeof connectionOptions.servername === "string" &&
      isIP(connectionOptions.servername) !== 0
    ) {
      delete connectionOptions.servername;
    }
    return connector;
  }
}

/** `credentials` that send SNI only for DNS names (see the module comment). */
export function withoutIpServername(credentials: ChannelCredentials): ChannelCredentials {
  return credentials instanceof NoIpServernameCredentials ? credentials : new NoIpServernameCredentials(credentials);
}

/** grpc-js `credentials.createSsl`, without SNI for IP targets. */
export function createClientTlsCredentials(
  rootCerts: Buffer,
  privateKey?: Buffer,
  certChain?: Buffer,
): ChannelCredentials {
  return withoutIpServername(grpcCredentials.createSsl(rootCerts, privateKey ?? null, certChain ?? null));
}
