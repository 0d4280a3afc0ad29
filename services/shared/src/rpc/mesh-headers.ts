/**
 * The request headers that cross the mesh's hops (browser → gateway → router → box), named once so
 * the gateway, the router and the box agree on them. Nothing else from a caller's headers travels.
 */
/** Correlates one call's log lines and traces across the hops (adopted when sent, else generated). */
export const requestIdHeader = "x-request-id";

/**
 * The tobacconist's mesh-wide count of requests in the last minute, set by the gateway (never taken
 * from a browser) for the box's own, second-line limit, which it can only make stricter.
 */
export const quotaMinuteHeader = "x-novares-quota-minute";

/** What the gateway copies from the browser's call into the mesh: the SSO token and the request id. */
export const callerHeaders: readonly string[] = ["authorization", requestIdHeader];

/** What the router passes on to the box unchanged: the caller's headers and the gateway's count. */
export const forwardedHeaders: readonly string[] = [...callerHeaders, quotaMinuteHeader];
