package it.novabox.interop;

import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;

import org.apache.wss4j.common.WSEncryptionPart;
import org.apache.wss4j.common.crypto.Merlin;
import org.apache.wss4j.common.saml.SAMLCallback;
import org.apache.wss4j.common.saml.SamlAssertionWrapper;
import org.apache.wss4j.common.saml.bean.AttributeBean;
import org.apache.wss4j.common.saml.bean.AttributeStatementBean;
import org.apache.wss4j.common.saml.bean.AuthenticationStatementBean;
import org.apache.wss4j.common.saml.bean.ConditionsBean;
import org.apache.wss4j.common.saml.bean.SubjectBean;
import org.apache.wss4j.common.saml.bean.Version;
import org.apache.wss4j.common.saml.builder.SAML2Constants;
import org.apache.wss4j.dom.WSConstants;
import org.apache.wss4j.dom.WSDataRef;
import org.apache.wss4j.dom.engine.WSSConfig;
import org.apache.wss4j.dom.engine.WSSecurityEngine;
import org.apache.wss4j.dom.engine.WSSecurityEngineResult;
import org.apache.wss4j.dom.handler.RequestData;
import org.apache.wss4j.dom.handler.WSHandlerResult;
import org.apache.wss4j.dom.message.WSSecHeader;
import org.apache.wss4j.dom.message.WSSecSAMLToken;
import org.apache.wss4j.dom.message.WSSecSignature;
import org.apache.wss4j.dom.message.WSSecTimestamp;
import org.apache.wss4j.dom.util.WSSecurityUtil;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * An independent WS-Security stack for the Novabox interop tests: Apache WSS4J's own builders and
 * stock validators behind a two-command CLI, so Jest can drive it.
 *
 * <pre>
 * verify --ca ca.pem [--allow-unsigned-assertion] envelope.xml...
 *     One JSON line per file: {"file":..,"ok":true,"samlSigned":true,"signed":["Body","Timestamp"]}
 *     or {"file":..,"ok":false,"error":".."}. WSSecurityEngine with the default validators (the
 *     SAML one refuses an unsigned bearer assertion), the signing certificate trusted through the
 *     CA only; then the assertion must have been signed and the message signature must cover the
 *     SOAP Body and the Timestamp. Exit 0 when every file verified.
 * build --p12 file --pin pin --alg rsa-sha256|rsa-sha1 --operator id --sede code --postazione id
 *       --app name --body body.xml [--unsigned-assertion]
 *     Prints a GovWay-style request: SAML 2.0 bearer assertion (signed with the workstation key
 *     unless told otherwise: exclusive c14n, X509 certificate in KeyInfo), Timestamp, and a
 *     signature over Body and Timestamp with a DirectReference to a BinarySecurityToken.
 *     IdPostazioneFirmato is a CMS SignedData of IdPostazione made here with BouncyCastle.
 * </pre>
 */
public final class Harness {
  private static final String SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/";

  private Harness() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) usage();
    WSSConfig.init();
    Map<String, String> options = new HashMap<>();
    List<String> files = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--allow-unsigned-assertion") || a.equals("--unsigned-assertion")) options.put(a, "true");
      else if (a.startsWith("--")) options.put(a, args[++i]);
      else files.add(a);
    }
    switch (args[0]) {
      case "verify" -> System.exit(verify(required(options, "--ca"), options.containsKey("--allow-unsigned-assertion"), files));
      case "build" -> System.out.print(build(options));
      default -> usage();
    }
  }

  private static void usage() {
    System.err.println("usage: verify --ca ca.pem [--allow-unsigned-assertion] file...  |  build --p12 f --pin p --alg rsa-sha256|rsa-sha1 --operator o --sede s --postazione p --app a --body f [--unsigned-assertion]");
    System.exit(2);
  }

  private static String required(Map<String, String> options, String name) {
    String v = options.get(name);
    if (v == null) {
      System.err.println("missing " + name);
      System.exit(2);
    }
    return v;
  }

  // ------------------------------------------------------------------------------------------
  // verify
  // ------------------------------------------------------------------------------------------

  static int verify(String caFile, boolean allowUnsignedAssertion, List<String> files) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    int n = 0;
    try (InputStream in = new FileInputStream(caFile)) {
      for (java.security.cert.Certificate c : cf.generateCertificates(in)) trust.setCertificateEntry("ca" + n++, c);
    }
    Merlin crypto = new Merlin();
    crypto.setTrustStore(trust);
    int failures = 0;
    for (String file : files) {
      String result;
      try {
        Document doc = parse(Files.readAllBytes(Path.of(file)));
        RequestData data = new RequestData();
        data.setWssConfig(WSSConfig.getNewInstance());
        data.setSigVerCrypto(crypto);
        WSSecurityEngine engine = new WSSecurityEngine();
        Element security = WSSecurityUtil.getSecurityHeader(doc, null);
        if (security == null) throw new IllegalStateException("no wsse:Security header");
        WSHandlerResult results = engine.processSecurityHeader(security, data);
        boolean samlSigned = !results.getActionResults().getOrDefault(WSConstants.ST_SIGNED, Collections.emptyList()).isEmpty();
        boolean samlUnsigned = !results.getActionResults().getOrDefault(WSConstants.ST_UNSIGNED, Collections.emptyList()).isEmpty();
        if (!samlSigned && !(samlUnsigned && allowUnsignedAssertion)) throw new IllegalStateException("the SAML assertion is not signed");
        List<String> signed = new ArrayList<>();
        for (WSSecurityEngineResult r : results.getActionResults().getOrDefault(WSConstants.SIGN, Collections.emptyList())) {
          @SuppressWarnings("unchecked")
          List<WSDataRef> refs = (List<WSDataRef>) r.get(WSSecurityEngineResult.TAG_DATA_REF_URIS);
          if (refs != null) for (WSDataRef ref : refs) signed.add(ref.getName().getLocalPart());
        }
        if (!signed.contains("Body") || !signed.contains("Timestamp")) throw new IllegalStateException("the message signature does not cover Body and Timestamp: " + signed);
        result = "{\"file\":" + json(file) + ",\"ok\":true,\"samlSigned\":" + samlSigned + ",\"signed\":" + jsonList(signed) + "}";
      } catch (Exception e) {
        failures++;
        result = "{\"file\":" + json(file) + ",\"ok\":false,\"error\":" + json(e.getClass().getSimpleName() + ": " + e.getMessage()) + "}";
      }
      System.out.println(result);
    }
    return failures == 0 ? 0 : 1;
  }

  // ------------------------------------------------------------------------------------------
  // build
  // ------------------------------------------------------------------------------------------

  static String build(Map<String, String> o) throws Exception {
    boolean sha1 = "rsa-sha1".equals(required(o, "--alg"));
    String sigAlgo = sha1 ? WSConstants.RSA_SHA1 : "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    String digestAlgo = sha1 ? WSConstants.SHA1 : WSConstants.SHA256;
    String pin = required(o, "--pin");
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(required(o, "--p12"))) {
      ks.load(in, pin.toCharArray());
    }
    String alias = null;
    for (Enumeration<String> e = ks.aliases(); e.hasMoreElements();) {
      String a = e.nextElement();
      if (ks.isKeyEntry(a)) alias = a;
    }
    if (alias == null) throw new IllegalStateException("no private key in the PKCS#12");
    Merlin crypto = new Merlin();
    crypto.setKeyStore(ks);
    X509Certificate cert = (X509Certificate) ks.getCertificate(alias);
    PrivateKey key = (PrivateKey) ks.getKey(alias, pin.toCharArray());

    String body = Files.readString(Path.of(required(o, "--body")), StandardCharsets.UTF_8).replaceFirst("^<\\?xml[^>]*>\\s*", "");
    Document doc = parse(("<soapenv:Envelope xmlns:soapenv=\"" + SOAP11 + "\"><soapenv:Header/><soapenv:Body>" + body + "</soapenv:Body></soapenv:Envelope>").getBytes(StandardCharsets.UTF_8));

    WSSecHeader header = new WSSecHeader(doc);
    header.setMustUnderstand(false);
    header.insertSecurityHeader();

    String postazione = required(o, "--postazione");
    SAMLCallback callback = new SAMLCallback();
    callback.setSamlVersion(Version.SAML_20);
    callback.setIssuer(required(o, "--operator"));
    callback.setSubject(new SubjectBean(required(o, "--operator"), null, SAML2Constants.CONF_BEARER));
    ConditionsBean conditions = new ConditionsBean();
    conditions.setTokenPeriodMinutes(60);
    callback.setConditions(conditions);
    AuthenticationStatementBean authn = new AuthenticationStatementBean();
    authn.setAuthenticationMethod("urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified");
    authn.setAuthenticationInstant(java.time.Instant.now());
    callback.setAuthenticationStatementData(List.of(authn));
    AttributeStatementBean attributes = new AttributeStatementBean();
    attributes.setSamlAttributes(List.of(
        attribute("IdSede", required(o, "--sede")),
        attribute("IdPostazione", postazione),
        attribute("IdPostazioneFirmato", signPostazione(postazione, cert, key)),
        attribute("IdApplicazione", required(o, "--app"))));
    callback.setAttributeStatementData(List.of(attributes));
    SamlAssertionWrapper assertion = new SamlAssertionWrapper(callback);
    if (!o.containsKey("--unsigned-assertion")) {
      assertion.signAssertion(alias, pin, crypto, false, WSConstants.C14N_EXCL_OMIT_COMMENTS, sigAlgo, digestAlgo);
    }

    WSSecSAMLToken saml = new WSSecSAMLToken(header);
    saml.build(assertion);
    WSSecTimestamp timestamp = new WSSecTimestamp(header);
    timestamp.setTimeToLive(300);
    timestamp.build();
    WSSecSignature signature = new WSSecSignature(header);
    signature.setUserInfo(alias, pin);
    signature.setKeyIdentifierType(WSConstants.BST_DIRECT_REFERENCE);
    signature.setSignatureAlgorithm(sigAlgo);
    signature.setDigestAlgo(digestAlgo);
    signature.setSigCanonicalization(WSConstants.C14N_EXCL_OMIT_COMMENTS);
    signature.getParts().add(new WSEncryptionPart(WSConstants.ELEM_BODY, SOAP11, ""));
    signature.getParts().add(new WSEncryptionPart(WSConstants.TIMESTAMP_TOKEN_LN, WSConstants.WSU_NS, ""));
    signature.build(crypto);
    return serialize(doc);
  }

  private static AttributeBean attribute(String name, String value) {
    AttributeBean bean = new AttributeBean();
    bean.setQualifiedName(name);
    bean.setNameFormat(SAML2Constants.ATTRNAME_FORMAT_UNSPECIFIED);
    bean.setAttributeValues(List.of(value));
    return bean;
  }

  /** IdPostazioneFirmato: CMS SignedData, attached content, SHA256withRSA, signer certificate included. */
  private static String signPostazione(String postazione, X509Certificate cert, PrivateKey key) throws Exception {
    CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
    gen.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
        .build(new JcaContentSignerBuilder("SHA256withRSA").build(key), cert));
    gen.addCertificates(new JcaCertStore(List.of(cert)));
    return Base64.getEncoder().encodeToString(gen.generate(new CMSProcessableByteArray(postazione.getBytes(StandardCharsets.UTF_8)), true).getEncoded());
  }

  // ------------------------------------------------------------------------------------------
  // XML and JSON
  // ------------------------------------------------------------------------------------------

  private static Document parse(byte[] xml) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
  }

  private static String serialize(Document doc) throws Exception {
    var t = TransformerFactory.newInstance().newTransformer();
    t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
    StringWriter out = new StringWriter();
    t.transform(new DOMSource(doc), new StreamResult(out));
    return out.toString();
  }

  private static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  private static String jsonList(List<String> items) {
    List<String> quoted = new ArrayList<>();
    for (String i : items) quoted.add(json(i));
    return "[" + String.join(",", quoted) + "]";
  }
}
