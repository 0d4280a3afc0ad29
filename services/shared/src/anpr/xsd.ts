/**
 * Validation of ANPR SOAP bodies against the official XSDs (copied unmodified under
 * services/shared/anpr-spec/), with libxml2's own schema validator compiled to WebAssembly
 * (libxml2-wasm), so the simulator and the client's tests apply exactly the schema ANPR publishes,
 * with no native build.
 *
 * Each validator compiles its schema set once (about half a second, the first one also instantiates
 * the WebAssembly module) and then validates in-process, synchronously, in about a millisecond: no
 * worker thread or fresh libxml2 instance per document. That keeps validation on in the simulator's
 * hot path without it costing more than the signature check beside it.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  XmlBufferInputProvider,
  xmlCleanupInputProvider,
  XmlDocument,
  XmlLibError,
  xmlRegisterInputProvider,
  XsdValidator as LibXsdValidator,
} from "libxml2-wasm";

import { anprSpecDir } from "./spec-dir.js";

export { anprSpecDir };

/** The ANPR services whose bodies can be validated, with their schema files (entry first). */
export const anprSchemas = {
  /** 6001 certificazione: Richiesta6001 / Risposta6001. */
  certificazione6001: [
    "soap-official/6001certificazione.xsd",
    "soap-official/vocabolario6001certificazione.xsd",
    "soap-official/tipoDato.xsd",
  ],
  /** 3000 consultazione: Richiesta3002 / Risposta3002 and the other 300x operations. */
  consultazione3000: [
    "soap-official/3000consultazione.xsd",
    "soap-official/vocabolario3000consultazione.xsd",
    "soap-official/tipoDato.xsd",
  ],
  /** TestConn: RichiestaConnessione / RispostaConnessione. */
  connessione: [
    "anpr-client-example/connessione.xsd",
    "anpr-client-example/vocabolario_connessione.xsd",
    "soap-official/tipoDato.xsd",
  ],
} as const;

/** Which schema set to validate against. */
export type AnprSchemaName = keyof typeof anprSchemas;

/** The outcome of a validation: valid, or the schema errors as libxml2 reports them ("line N: ..."). */
export type XsdResult = { valid: true } | { valid: false; errors: string[] };

/** Validates standalone XML documents (a body's root element, serialized) against one schema set. */
export interface XsdValidator {
  /** Validates `xml` (synchronously; the promise is already settled when returned). */
  validate(xml: string): Promise<XsdResult>;
  /** Validates `xml` synchronously. */
  validateSync(xml: string): XsdResult;
}

/** The errors of a libxml2 failure, one line each, with the line number when known. */
function errorLines(err: unknown): string[] {
  if (err instanceof XmlLibError && err.details.length > 0) {
    return err.details.map((d) => `${d.line ? `line ${d.line}: ` : ""}${d.message.trim()}`);
  }
  return [err instanceof Error ? err.message.trim() : String(err)];
}

/**
 * Creates a validator for `schema`, compiling it once. The schema's `xs:import`s are resolved from
 * the repository's copies only (an in-memory input provider, registered for the compilation and
 * removed after it), never from the network or other files.
 */
export function createXsdValidator(schema: AnprSchemaName): XsdValidator {
  // The set's files are laid out flat under one virtual folder, as ANPR ships them (each
  // schemaLocation is a bare file name; connessione.xsd's tipoDato.xsd is the 6001 one).
  const buffers: Record<string, Uint8Array> = {};
  const names = anprSchemas[schema].map((path) => {
    const name = `/anpr-xsd/${path.split("/").pop()!}`;
    buffers[name] = readFileSync(fileURLToPath(new URL(path, anprSpecDir)));
    return name;
  });
  const entry = names[0]!;
  xmlRegisterInputProvider(new XmlBufferInputProvider(buffers));
  let validator: LibXsdValidator;
  try {
    // The schema document stays alive with the validator: libxml2's compiled schema keeps
    // pointers into it (it was parsed with "preserve document").
    const schemaDoc = XmlDocument.fromBuffer(buffers[entry]!, { url: entry });
    validator = LibXsdValidator.fromDoc(schemaDoc);
  } finally {
    xmlCleanupInputProvider();
  }

  const validateSync = (xml: string): XsdResult => {
    let doc: XmlDocument;
    try {
      doc = XmlDocument.fromString(xml);
    } catch (err) {
      return { valid: false, errors: errorLines(err) };
    }
    try {
      validator.validate(doc);
      return { valid: true };
    } catch (err) {
      return { valid: false, errors: errorLines(err) };
    } finally {
      doc.dispose();
    }
  };
  return { validateSync, validate: (xml) => Promise.resolve(validateSync(xml)) };
}
