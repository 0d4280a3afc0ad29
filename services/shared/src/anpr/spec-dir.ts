/**
 * Where the copies of ANPR's official WSDL/XSD live (services/shared/anpr-spec/), on its own so
 * that code reading the WSDLs (the Novabox's client) does not load the XSD validator (xsd.ts and its
 * WebAssembly libxml2), which only the simulator and the tests use.
 */
export const anprSpecDir = new URL("../../anpr-spec/", import.meta.url);
