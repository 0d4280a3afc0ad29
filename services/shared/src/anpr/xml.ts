/**
 * Safe XML parsing for everything that reads XML from the network (SOAP envelopes, WS-Security
 * headers, ANPR responses): @xmldom/xmldom with every parser error fatal and any DOCTYPE refused,
 * so no external entity is fetched and no entity is expanded (XXE, "billion laughs"). Plus the few
 * namespace-aware DOM helpers the ANPR code needs, kept small and generic on purpose.
 */
import { DOMParser, XMLSerializer, type Document, type Element, type Node } from "@xmldom/xmldom";
import { DomainError } from "#shared/runtime/domain-error.js";

/** Why an XML document was refused by {@link parseXmlSafe}. */
export type XmlErrorReason = "XML_MALFORMED" | "XML_DOCTYPE_FORBIDDEN";

/**
 * The input is not XML we accept: malformed, or carrying a DOCTYPE. Kind `invalid-input`; the
 * message names the problem but never echoes the document.
 */
export class XmlError extends DomainError {
  declare readonly reason: XmlErrorReason;

  constructor(reason: XmlErrorReason, message: string, cause?: unknown) {
    super("invalid-input", message, { reason, cause });
  }
}

const doctypePattern = /<!DOCTYPE/i;

/**
 * End-of-line handling identical to xml-crypto's own parser (@xmldom/xmldom 0.8): CRLF, CR, NEL and
 * LINE SEPARATOR become LF. xmldom 0.9's default also rewrites PARAGRAPH SEPARATOR; using one rule
 * for both parsers keeps our view of a text equal to the one whose signature was verified.
 */
function signerLineEndings(source: string): string {
  return source.replace(/\r[\n\u0085]/g, "\n").replace(/[\r\u0085\u2028]/g, "\n");
}

/**
 * Parses `xml` into a DOM Document. Throws {@link XmlError} `XML_DOCTYPE_FORBIDDEN` when the text
 * contains a DOCTYPE declaration anywhere (checked on the raw text before parsing, so not even the
 * internal subset is read; a literal `<!DOCTYPE` inside a comment or CDATA is refused too, which
 * SOAP traffic never needs), and `XML_MALFORMED` for any parser error or warning (except xmldom's
 * notice about U+FFFD characters, which are legal), or a document without a root element. The
 * parser message stays in the error's `cause`, never in its message.
 */
export function parseXmlSafe(xml: string): Document {
  if (doctypePattern.test(xml)) {
    throw new XmlError("XML_DOCTYPE_FORBIDDEN", "XML documents with a DOCTYPE declaration are not accepted");
  }
  const parser = new DOMParser({
    locator: false,
    normalizeLineEndings: signerLineEndings,
    onError: (level, message) => {
      if (level === "warning" && message.startsWith("Unicode replacement character")) return;
      throw new Error(`${level}: ${message}`);
    },
  });
  let doc: Document;
  try {
    doc = parser.parseFromString(xml, "text/xml");
  } catch (err) {
    throw new XmlError("XML_MALFORMED", "the XML document is not well-formed", err);
  }
  for (let child = doc.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === child.DOCUMENT_TYPE_NODE) {
      throw new XmlError("XML_DOCTYPE_FORBIDDEN", "XML documents with a DOCTYPE declaration are not accepted");
    }
  }
  if (!doc.documentElement) {
    throw new XmlError("XML_MALFORMED", "the XML document has no root element");
  }
  return doc;
}

/** Serializes a node back to text (xmldom's serializer; namespace declarations in scope are kept). */
export function serializeXml(node: Node): string {
  return new XMLSerializer().serializeToString(node);
}

/** True when `node` is an element, narrowing its type. */
export function isElement(node: Node | null | undefined): node is Element {
  return node != null && node.nodeType === node.ELEMENT_NODE;
}

/**
 * The element children of `parent`, optionally only those with namespace `ns` and local name
 * `localName` (pass `undefined` for either to match any).
 */
export function childElements(parent: Node, ns?: string, localName?: string): Element[] {
  const result: Element[] = [];
  for (let child = parent.firstChild; child; child = child.nextSibling) {
    if (
      isElement(child) &&
      (ns === undefined || child.namespaceURI === ns) &&
      (localName === undefined || child.localName === localName)
    ) {
      result.push(child);
    }
  }
  return result;
}

/** The first element child of `parent` with namespace `ns` and local name `localName`, or undefined. */
export function findChild(parent: Node, ns: string | undefined, localName: string): Element | undefined {
  for (let child = parent.firstChild; child; child = child.nextSibling) {
    if (isElement(child) && (ns === undefined || child.namespaceURI === ns) && child.localName === localName)
      return child;
  }
  return undefined;
}

/** Every descendant element of `root` (root included) with namespace `ns` and local name `localName`. */
export function findDescendants(root: Node, ns: string, localName: string): Element[] {
  const result: Element[] = [];
  const visit = (node: Node) => {
    for (let child = node.firstChild; child; child = child.nextSibling) {
      if (isElement(child)) {
        if (child.namespaceURI === ns && child.localName === localName) result.push(child);
        visit(child);
      }
    }
  };
  if (isElement(root) && root.namespaceURI === ns && root.localName === localName) result.push(root);
  visit(root);
  return result;
}

/** The concatenated text of `node`'s descendants (comments excluded), trimmed. */
export function textOf(node: Node): string {
  return (node.textContent ?? "").trim();
}
