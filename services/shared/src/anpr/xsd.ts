/**
 * Validation of ANPR SOAP bodies against the official XSDs (copied unmodified under
 * services/shared/anpr-spec/), with libxml2's validator compiled to WebAssembly (xmllint-wasm), so
 * the simulator and the client's tests apply exactly the schema ANPR publishes, with no native build.
 * The schema files are read once per validator; each validation runs a fresh xmllint instance
 * (tens of milliseconds): fine for the simulator and tests, not for a hot path.
 */
import { readFileSync } from "node:fs";
import { validateXML, type XMLFileInfo } from "xmllint-wasm";

/** Where the official WSDL/XSD copies live. */
export const anprSpecDir = new URL("../../anpr-spec/", import.meta.url);

/** The ANPR services whose bodies can be validated, with their schema files (entry first). */
export const anprSchemas = {
  /** 6001 certificazione: Richiesta6001 / Risposta6001. */
  certificazione6001: ["soap-official/6001certificazione.xsd", "soap-official/vocabolario6001certificazione.xsd", "soap-official/tipoDato.xsd"],
  /** 3000 consultazione: Richiesta3002 / Risposta3002 and the other 300x operations. */
  consultazione3000: ["soap-official/3000consultazione.xsd", "soap-official/vocabolario3000consultazione.xsd", "soap-official/tipoDato.xsd"],
  /** TestConn: RichiestaConnessione / RispostaConnessione. */
  connessione: [
    "anpr-client-example/connessione.xsd",
    "anpr-client-example/vocabolario_connessione.xsd",
    "soap-official/tipoDato.xsd",
  ],
} as const;

/** Which schema set to validate against. */
export type AnprSchemaName = keyof typeof anprSchemas;

/** The outcome of a validation: valid, or the schema errors as xmllint reports them. */
export type XsdResult = { valid: true } | { valid: false; errors: string[] };

/** Validates standalone XML documents (a body's root element, serialized) against one schema set. */
export interface XsdValidator {
  validate(xml: string): Promise<XsdResult>;
}

/** Creates a validator for `schema`, reading its files once. */
export function createXsdValidator(schema: AnprSchemaName): XsdValidator {
  const files: XMLFileInfo[] = anprSchemas[schema].map((path) => ({
    fileName: path.split("/").pop()!,
    contents: readFileSync(new URL(path, anprSpecDir), "utf8"),
  }));
  const [entry, ...imports] = files;
  return {
    async validate(xml) {
      const result = await validateXML({ xml: [{ fileName: "body.xml", contents: xml }], schema: entry!, preload: imports });
      if (result.valid) return { valid: true };
      return { valid: false, errors: result.errors.map((e) => e.message.trim()) };
    },
  };
}
