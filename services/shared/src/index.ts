/** The shared runtime of every Novabox mesh service: import from here, never copy. */
export * from "./domain-error.js";
export * from "./grpc-status.js";
export * from "./grpc-adapter.js";
export * from "./grpc-server.js";
export * from "./health.js";
export * from "./reflection.js";
export * from "./logger.js";
export * from "./config.js";
export * from "./shutdown.js";
export * from "./observability.js";
export * from "./ops-http.js";
