/** The browser-side form checks: each rule, and a valid form passing. */
import { describe, expect, it } from "@jest/globals";
import { fiscalCodeProblem, isValid, validateAdminAccount, validateAnprSettings, validateIssue, type AnprSettingsInput, type IssueInput } from "./validation.ts";

describe("fiscalCodeProblem", () => {
  it.each(["RSSMRA85T10A562S", "DLLPLA70C05H612A", "rssmra85t10a562s", " RSSMRA85T10A562S "])("accepts %s", (code) => {
    expect(fiscalCodeProblem(code)).toBeUndefined();
  });
  it.each(["RSSMRA85T10A56NH", "RSSMRAURTMLARSNL"])("accepts the omocodia variant %s", (code) => {
    // digits replaced by letters, check character recomputed (as omocodeOf in services/shared/src/anpr/codice-fiscale.ts makes them)
    expect(fiscalCodeProblem(code)).toBeUndefined();
  });
  it.each([
    ["", "Inserire"],
    ["RSSMRA85T10A562", "16 caratteri (ne sono stati inseriti 15)"],
    ["RSSMRA85T10A56?S", "forma"],
    ["RSSMRA85Z10A562S", "forma"], // Z is not a month letter
    ["RSSMRA85T10A562X", "controllo"],
  ])("refuses %j with a message about %s", (code, words) => {
    expect(fiscalCodeProblem(code)).toContain(words);
  });
});

describe("validateAdminAccount", () => {
  it("accepts a good account", () => {
    expect(isValid(validateAdminAccount({ username: "admin", password: "una frase lunga", confirm: "una frase lunga" }))).toBe(true);
  });
  it("names each bad field", () => {
    const errors = validateAdminAccount({ username: "a!", password: "corta", confirm: "diversa" });
    expect(errors.username).toContain("3 a 64");
    expect(errors.password).toContain("Almeno 12 caratteri (ora 5)");
    expect(errors.confirm).toContain("non coincidono");
  });
  it("refuses a password of only spaces", () => {
    expect(validateAdminAccount({ username: "admin", password: " ".repeat(12), confirm: " ".repeat(12) }).password).toContain("spazi");
  });
});

describe("validateAnprSettings", () => {
  const file = new File(["x"], "x.pem");
  const good: AnprSettingsInput = {
    caCertificate: file,
    pkcs12: file,
    pin: "1234",
    operatorId: "OPERATORE-022205",
    officeId: "022205",
    workstationId: "POST-022205-01",
    comuneCode: "022205",
    comuneName: "Trento",
    registryOfficerSurname: "BIANCHI",
    registryOfficerName: "ANNA",
    anprBaseUrl: "https://127.0.0.1:8443",
  };
  it("accepts a complete form", () => {
    expect(validateAnprSettings(good)).toEqual({});
  });
  it("names every missing or malformed field by its proto name", () => {
    const errors = validateAnprSettings({ ...good, caCertificate: undefined, pkcs12: undefined, pin: "", operatorId: " ", comuneCode: "22205", anprBaseUrl: "http://anpr" });
    expect(Object.keys(errors).sort()).toEqual(["anpr_base_url", "certificate", "comune_code", "operator_id", "pin", "pkcs12"]);
    expect(errors.anpr_base_url).toContain("https://");
    expect(validateAnprSettings({ ...good, anprBaseUrl: "non un indirizzo" }).anpr_base_url).toContain("indirizzo valido");
  });
});

describe("validateIssue", () => {
  const good: IssueInput = { comuneCode: "022205", fiscalCode: "RSSMRA85T10A562S", surname: "Rossi", name: "Mario", certificateTypes: [8], stampDuty: "paid", exemptionReason: 0 };
  it("accepts a complete request", () => {
    expect(validateIssue(good)).toEqual({});
  });
  it("names each missing part", () => {
    const errors = validateIssue({ comuneCode: "", fiscalCode: "X", surname: "", name: " ", certificateTypes: [], stampDuty: "exempt", exemptionReason: 0 });
    expect(Object.keys(errors).sort()).toEqual(["certificate_types", "comune_code", "stamp_duty", "subject.fiscal_code", "subject.name", "subject.surname"]);
  });
  it("accepts an exemption with its reason", () => {
    expect(validateIssue({ ...good, stampDuty: "exempt", exemptionReason: 1 })).toEqual({});
  });
});
