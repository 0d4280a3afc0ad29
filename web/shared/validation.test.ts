/** The browser-side form checks: each rule, and a valid form passing. */
import { describe, expect, it } from "@jest/globals";
import {
  changedLimitPaths,
  fiscalCodeProblem,
  isValid,
  validateAdminAccount,
  validateAnprSettings,
  validateAuditPeriod,
  validateIssue,
  validateLimits,
  validateMeshSettings,
  validatePasswordChange,
  validateRevocation,
  type AnprSettingsInput,
  type IssueInput,
  type LimitsInput,
} from "./validation.ts";

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
    expect(
      isValid(validateAdminAccount({ username: "admin", password: "una frase lunga", confirm: "una frase lunga" })),
    ).toBe(true);
  });
  it("names each bad field", () => {
    const errors = validateAdminAccount({ username: "a!", password: "corta", confirm: "diversa" });
    expect(errors.username).toContain("3 a 64");
    expect(errors.password).toContain("Almeno 12 caratteri (ora 5)");
    expect(errors.confirm).toContain("non coincidono");
  });
  it("refuses a password of only spaces", () => {
    expect(
      validateAdminAccount({ username: "admin", password: " ".repeat(12), confirm: " ".repeat(12) }).password,
    ).toContain("spazi");
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
    const errors = validateAnprSettings({
      ...good,
      caCertificate: undefined,
      pkcs12: undefined,
      pin: "",
      operatorId: " ",
      comuneCode: "22205",
      anprBaseUrl: "http://anpr",
    });
    expect(Object.keys(errors).sort()).toEqual([
      "anpr_base_url",
      "certificate",
      "comune_code",
      "operator_id",
      "pin",
      "pkcs12",
    ]);
    expect(errors.anpr_base_url).toContain("https://");
    expect(validateAnprSettings({ ...good, anprBaseUrl: "non un indirizzo" }).anpr_base_url).toContain(
      "indirizzo valido",
    );
  });
});

describe("validateIssue", () => {
  const good: IssueInput = {
    comuneCode: "022205",
    fiscalCode: "RSSMRA85T10A562S",
    surname: "Rossi",
    name: "Mario",
    certificateTypes: [8],
    stampDuty: "paid",
    exemptionReason: 0,
  };
  it("accepts a complete request", () => {
    expect(validateIssue(good)).toEqual({});
  });
  it("names each missing part", () => {
    const errors = validateIssue({
      comuneCode: "",
      fiscalCode: "X",
      surname: "",
      name: " ",
      certificateTypes: [],
      stampDuty: "exempt",
      exemptionReason: 0,
    });
    expect(Object.keys(errors).sort()).toEqual([
      "certificate_types",
      "comune_code",
      "stamp_duty",
      "subject.fiscal_code",
      "subject.name",
      "subject.surname",
    ]);
  });
  it("accepts an exemption with its reason", () => {
    expect(validateIssue({ ...good, stampDuty: "exempt", exemptionReason: 1 })).toEqual({});
  });
});

describe("validatePasswordChange", () => {
  it("accepts a good change", () => {
    expect(
      validatePasswordChange({
        currentPassword: "vecchia frase lunga",
        newPassword: "nuova frase lunga",
        confirm: "nuova frase lunga",
      }),
    ).toEqual({});
  });
  it("names each bad field", () => {
    const errors = validatePasswordChange({ currentPassword: "", newPassword: "corta", confirm: "altra" });
    expect(errors.current_password).toContain("attuale");
    expect(errors.new_password).toContain("Almeno 12 caratteri (ora 5)");
    expect(errors.confirm).toContain("non coincidono");
  });
  it("refuses the same password again", () => {
    expect(
      validatePasswordChange({
        currentPassword: "una frase lunga",
        newPassword: "una frase lunga",
        confirm: "una frase lunga",
      }).new_password,
    ).toContain("diversa");
  });
});

describe("validateLimits and changedLimitPaths", () => {
  const good: LimitsInput = {
    logRetentionDays: "365",
    perTobacconistPerMinute: "30",
    massExtractionDistinctFiscalCodes: "50",
    massExtractionWindowMinutes: "60",
  };
  it("accepts sensible limits", () => {
    expect(validateLimits(good)).toEqual({});
  });
  it("names each bad value by its Settings path", () => {
    const errors = validateLimits({
      logRetentionDays: "4000",
      perTobacconistPerMinute: "dieci",
      massExtractionDistinctFiscalCodes: "-1",
      massExtractionWindowMinutes: "",
    });
    expect(Object.keys(errors).sort()).toEqual([
      "log_retention_days",
      "rate_limits.mass_extraction_distinct_fiscal_codes",
      "rate_limits.mass_extraction_window",
      "rate_limits.per_tobacconist_per_minute",
    ]);
    expect(errors.log_retention_days).toContain("tra 0 e 3650");
    // 0 means no limit, as the proto says.
    expect(
      validateLimits({
        ...good,
        logRetentionDays: "0",
        perTobacconistPerMinute: "0",
        massExtractionDistinctFiscalCodes: "0",
      }),
    ).toEqual({});
  });
  it("masks exactly the changed settings", () => {
    expect(changedLimitPaths(good, good)).toEqual([]);
    expect(changedLimitPaths(good, { ...good, logRetentionDays: " 90" })).toEqual(["log_retention_days"]);
    expect(changedLimitPaths(good, { ...good, massExtractionWindowMinutes: "120" })).toEqual(["rate_limits"]);
    expect(changedLimitPaths(good, { ...good, logRetentionDays: "30", perTobacconistPerMinute: "10" })).toEqual([
      "log_retention_days",
      "rate_limits",
    ]);
  });
});

describe("validateRevocation", () => {
  it("accepts a new tobacconist with or without a reason", () => {
    expect(validateRevocation({ tobacconistId: "TAB-0002", reason: "" }, ["TAB-0001"])).toEqual({});
  });
  it("refuses an empty, malformed or already revoked id, and a too long reason", () => {
    expect(validateRevocation({ tobacconistId: " ", reason: "" }, []).tobacconist_id).toContain("Inserire");
    expect(validateRevocation({ tobacconistId: "TAB 1", reason: "" }, []).tobacconist_id).toContain("non ammessi");
    expect(validateRevocation({ tobacconistId: "TAB-0001", reason: "" }, ["TAB-0001"]).tobacconist_id).toContain(
      "già revocata",
    );
    expect(validateRevocation({ tobacconistId: "TAB-0002", reason: "x".repeat(501) }, []).reason).toContain("500");
  });
});

describe("validateAuditPeriod", () => {
  it("accepts open and ordered periods", () => {
    expect(validateAuditPeriod({ from: "", to: "" })).toEqual({});
    expect(validateAuditPeriod({ from: "2026-11-01", to: "2026-11-01" })).toEqual({});
  });
  it("refuses an end before the start, next to the end date", () => {
    expect(validateAuditPeriod({ from: "2026-11-02", to: "2026-11-01" }).to).toContain("precedere");
  });
});

describe("validateMeshSettings: the Novares discovery address", () => {
  const form = (novaresDiscoveryAddress: string) => ({
    novaresDiscoveryAddress,
    advertisedHost: "",
    advertisedPort: "",
    ssoIssuer: "",
    ssoAudience: "",
    ssoJwksUrl: "",
    hasJwksFile: false,
  });
  it.each([
    "router.novares.it:50060",
    "[::1]:50060",
    "ipv4:10.0.0.1:50060,10.0.0.2:50060",
    "dns:///router.novares.it:50060",
  ])("accepts %s (one router, or several for failover)", (address) => {
    expect(validateMeshSettings(form(address)).novares_discovery_address).toBeUndefined();
  });
  it.each(["router.novares.it", "http://router:50060", "router:70000", "ipv4:10.0.0.1:50060,router:1", "ipv4:"])(
    "refuses %s",
    (address) => {
      expect(validateMeshSettings(form(address)).novares_discovery_address).toContain("host:porta");
    },
  );
});
