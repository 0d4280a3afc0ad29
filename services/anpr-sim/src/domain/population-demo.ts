/**
 * The demo citizens' records and families ({@link DEMO_CITIZENS}): fixed data, independent of the
 * seed, added first to every population that includes their Comune.
 */
import type { Citizenship, ComuneInfo, RegistryStatus, StreetInfo } from "./population-model.js";
import { BOLZANO, PLACES, ROVERETO, STATES, TRENTO, stateBirthPlace } from "./population-seed.js";
import {
  addHousehold,
  addPerson,
  foreignCitizenship,
  italianCitizenship,
  marry,
  partnerRef,
  streetAddress,
  type Builder,
} from "./population-builder.js";

// ---------------------------------------------------------------------------------------------
// Demo citizens (fixed data, independent of the seed).

export function buildDemo(b: Builder, comuni: readonly ComuneInfo[]): void {
  const has = (c: ComuneInfo): boolean => comuni.some((x) => x.istatCode === c.istatCode);
  const resident: RegistryStatus = { kind: "resident" };
  const street = (c: ComuneInfo, name: string): StreetInfo => {
    const found = c.streets.find((s) => s.name === name);
    if (!found) throw new Error(`demo street ${name} is not a street of ${c.name}`);
    return found;
  };
  const italian = (birthDate: string): Citizenship[] => [italianCitizenship(birthDate)];
  let demoId = 1;
  const id = (): string => `DM${String(demoId++).padStart(5, "0")}AN`;

  if (has(TRENTO)) {
    const c = TRENTO;
    const home = streetAddress(c, street(c, "RODOLFO BELENZANI"), "12", { internal: "3" });
    const since = "2012-07-01";
    const mario = addPerson(b, {
      idAnpr: id(),
      surname: "ROSSI",
      name: "MARIO",
      sex: "M",
      birthDate: "1985-12-10",
      birthPlace: PLACES.sanGiulianoTerme,
      citizenships: italian("1985-12-10"),
      civilStatus: 2,
      comune: c,
      status: resident,
      residenceHistory: [{ address: home, since }],
    });
    const giulia = addPerson(b, {
      idAnpr: id(),
      surname: "BIANCHI",
      name: "GIULIA",
      sex: "F",
      birthDate: "1987-04-22",
      birthPlace: PLACES.trento,
      citizenships: italian("1987-04-22"),
      civilStatus: 2,
      comune: c,
      status: resident,
      residenceHistory: [
        { address: streetAddress(c, street(c, "MILANO"), "40"), since: "2005-09-01", until: "2012-06-30" },
        { address: home, since },
      ],
    });
    const luca = addPerson(b, {
      idAnpr: id(),
      surname: "ROSSI",
      name: "LUCA",
      sex: "M",
      birthDate: "2015-06-03",
      birthPlace: PLACES.trento,
      citizenships: italian("2015-06-03"),
      civilStatus: 1,
      comune: c,
      status: resident,
      residenceHistory: [{ address: home, since: "2015-06-03" }],
    });
    const sofia = addPerson(b, {
      idAnpr: id(),
      surname: "ROSSI",
      name: "SOFIA",
      sex: "F",
      birthDate: "2018-09-15",
      birthPlace: PLACES.trento,
      citizenships: italian("2018-09-15"),
      civilStatus: 1,
      comune: c,
      status: resident,
      residenceHistory: [{ address: home, since: "2018-09-15" }],
    });
    marry(mario, giulia, "2012-06-16", PLACES.trento);
    addHousehold(b, "family", c, since, [
      { person: mario, relationship: 1 },
      { person: giulia, relationship: 2 },
      { person: luca, relationship: 3 },
      { person: sofia, relationship: 3 },
    ]);

    const widowHome = streetAddress(c, street(c, "SANTA CROCE"), "45");
    const giuseppe = addPerson(b, {
      idAnpr: id(),
      surname: "MOSER",
      name: "GIUSEPPE",
      sex: "M",
      birthDate: "1940-02-14",
      birthPlace: PLACES.trento,
      citizenships: italian("1940-02-14"),
      civilStatus: 2,
      comune: c,
      status: { kind: "deceased", deathDate: "2023-11-03", deathPlace: PLACES.trento },
      residenceHistory: [{ address: widowHome, since: "1966-01-10", until: "2023-11-03" }],
    });
    const rosa = addPerson(b, {
      idAnpr: id(),
      surname: "TOMASI",
      name: "ROSA",
      sex: "F",
      birthDate: "1943-08-30",
      birthPlace: PLACES.pergine,
      citizenships: italian("1943-08-30"),
      civilStatus: 3,
      comune: c,
      status: resident,
      residenceHistory: [{ address: widowHome, since: "1966-01-10" }],
    });
    marry(giuseppe, rosa, "1965-09-18", PLACES.trento);
    rosa.marriage = {
      spouse: partnerRef(giuseppe),
      date: "1965-09-18",
      place: PLACES.trento,
      ended: { kind: "widowhood", date: "2023-11-03" },
    };
    addHousehold(b, "family", c, "2023-11-03", [{ person: rosa, relationship: 1 }]);

    const francesca = addPerson(b, {
      idAnpr: id(),
      surname: "PEDROTTI",
      name: "FRANCESCA",
      sex: "F",
      birthDate: "1988-01-27",
      birthPlace: PLACES.trento,
      citizenships: italian("1988-01-27"),
      civilStatus: 1,
      comune: c,
      status: { kind: "aire", since: "2016-03-01", expatriationYear: 2015 },
      residenceHistory: [
        { address: streetAddress(c, street(c, "VITTORIO VENETO"), "21"), since: "1988-01-27", until: "2016-02-29" },
      ],
      foreignResidence: {
        stateCode: STATES.germania.code,
        stateName: STATES.germania.name,
        locality: "MONACO DI BAVIERA",
        street: "LEOPOLDSTRASSE 25",
        postcode: "80802",
        consulateCode: "2300603",
        consulateName: "CONSOLATO GENERALE D'ITALIA - MONACO DI BAVIERA",
      },
    });
    addHousehold(b, "aire-family", c, "2016-03-01", [{ person: francesca, relationship: 1 }]);

    addPerson(b, {
      idAnpr: id(),
      surname: "BERTOLDI",
      name: "MARCO",
      sex: "M",
      birthDate: "1975-05-18",
      birthPlace: PLACES.trento,
      citizenships: italian("1975-05-18"),
      civilStatus: 1,
      comune: c,
      status: { kind: "moved-away", date: "2021-09-01", destination: PLACES.milano },
      residenceHistory: [
        { address: streetAddress(c, street(c, "BRENNERO"), "120"), since: "1999-04-01", until: "2021-08-31" },
      ],
    });

    const elena = addPerson(b, {
      idAnpr: id(),
      surname: "ZENI",
      name: "ELENA",
      sex: "F",
      birthDate: "1979-03-11",
      birthPlace: PLACES.trento,
      citizenships: italian("1979-03-11"),
      civilStatus: 1,
      comune: c,
      status: resident,
      residenceHistory: [{ address: streetAddress(c, street(c, "MANCI"), "8"), since: "2004-10-01" }],
    });
    elena.certifiability = 0;
    addHousehold(b, "family", c, "2004-10-01", [{ person: elena, relationship: 1 }]);

    const roberto = addPerson(b, {
      idAnpr: id(),
      surname: "FONTANA",
      name: "ROBERTO",
      sex: "M",
      birthDate: "1966-08-08",
      birthPlace: PLACES.milano,
      citizenships: italian("1966-08-08"),
      civilStatus: 4,
      comune: c,
      status: resident,
      residenceHistory: [{ address: streetAddress(c, c.conventionalStreet, "1"), since: "2019-02-11" }],
    });
    roberto.marriage = {
      spouse: { surname: "COLOMBO", name: "SILVIA", sex: "F", birthDate: "1968-03-02", birthPlace: PLACES.milano },
      date: "1994-06-11",
      place: PLACES.milano,
      ended: { kind: "divorce", date: "2008-10-20" },
    };
    roberto.anomalies = [{ kind: "homeless" }];
    addHousehold(b, "family", c, "2019-02-11", [{ person: roberto, relationship: 1 }]);

    const unionHome = streetAddress(c, street(c, "GIUSEPPE GRAZIOLI"), "33");
    const andrea = addPerson(b, {
      idAnpr: id(),
      surname: "GOTTARDI",
      name: "ANDREA",
      sex: "M",
      birthDate: "1990-10-05",
      birthPlace: PLACES.trento,
      citizenships: italian("1990-10-05"),
      civilStatus: 6,
      comune: c,
      status: resident,
      residenceHistory: [{ address: unionHome, since: "2018-05-01" }],
    });
    const stefano = addPerson(b, {
      idAnpr: id(),
      surname: "PISONI",
      name: "STEFANO",
      sex: "M",
      birthDate: "1988-12-01",
      birthPlace: PLACES.rovereto,
      citizenships: italian("1988-12-01"),
      civilStatus: 6,
      comune: c,
      status: resident,
      residenceHistory: [{ address: unionHome, since: "2018-05-01" }],
    });
    andrea.civilUnion = { partner: partnerRef(stefano), date: "2019-04-13", place: PLACES.trento };
    stefano.civilUnion = { partner: partnerRef(andrea), date: "2019-04-13", place: PLACES.trento };
    addHousehold(b, "family", c, "2018-05-01", [
      { person: andrea, relationship: 1 },
      { person: stefano, relationship: 28 },
    ]);

    const coHome = streetAddress(c, street(c, "SAN PIETRO"), "4");
    const chiara = addPerson(b, {
      idAnpr: id(),
      surname: "DALPIAZ",
      name: "CHIARA",
      sex: "F",
      birthDate: "1993-06-21",
      birthPlace: PLACES.trento,
      citizenships: italian("1993-06-21"),
      civilStatus: 1,
      comune: c,
      status: resident,
      residenceHistory: [{ address: coHome, since: "2021-11-15" }],
    });
    const davide = addPerson(b, {
      idAnpr: id(),
      surname: "LEONARDI",
      name: "DAVIDE",
      sex: "M",
      birthDate: "1991-01-09",
      birthPlace: PLACES.verona,
      citizenships: italian("1991-01-09"),
      civilStatus: 1,
      comune: c,
      status: resident,
      residenceHistory: [{ address: coHome, since: "2021-11-15" }],
    });
    chiara.cohabitationContract = { partner: partnerRef(davide), date: "2022-03-10", registeredIn: PLACES.trento };
    davide.cohabitationContract = { partner: partnerRef(chiara), date: "2022-03-10", registeredIn: PLACES.trento };
    addHousehold(b, "family", c, "2021-11-15", [
      { person: chiara, relationship: 1 },
      { person: davide, relationship: 23 },
    ]);
  }

  if (has(ROVERETO)) {
    const c = ROVERETO;
    const paolo = addPerson(b, {
      idAnpr: id(),
      surname: "DALLAPICCOLA",
      name: "PAOLO",
      sex: "M",
      birthDate: "1970-03-05",
      birthPlace: PLACES.rovereto,
      citizenships: italian("1970-03-05"),
      civilStatus: 4,
      comune: c,
      status: resident,
      residenceHistory: [{ address: streetAddress(c, street(c, "BETTINI"), "30"), since: "2010-03-01" }],
    });
    paolo.marriage = {
      spouse: { surname: "GIRARDI", name: "LAURA", sex: "F", birthDate: "1972-11-02", birthPlace: PLACES.rovereto },
      date: "1998-05-23",
      place: PLACES.rovereto,
      ended: { kind: "divorce", date: "2010-02-15" },
    };
    addHousehold(b, "family", c, "2010-03-01", [{ person: paolo, relationship: 1 }]);

    const home = streetAddress(c, street(c, "BENACENSE"), "15", { internal: "7" });
    const ion = addPerson(b, {
      idAnpr: id(),
      surname: "POPESCU",
      name: "ION",
      sex: "M",
      birthDate: "1983-11-02",
      birthPlace: stateBirthPlace("romania", "BUCAREST"),
      citizenships: [foreignCitizenship("romania", "1983-11-02")],
      civilStatus: 2,
      comune: c,
      status: resident,
      residenceHistory: [{ address: home, since: "2009-05-04" }],
    });
    const elena = addPerson(b, {
      idAnpr: id(),
      surname: "POPESCU",
      name: "ELENA",
      sex: "F",
      birthDate: "1986-07-19",
      birthPlace: stateBirthPlace("romania", "IASI"),
      citizenships: [foreignCitizenship("romania", "1986-07-19")],
      civilStatus: 2,
      comune: c,
      status: resident,
      residenceHistory: [{ address: home, since: "2009-05-04" }],
    });
    const andrei = addPerson(b, {
      idAnpr: id(),
      surname: "POPESCU",
      name: "ANDREI",
      sex: "M",
      birthDate: "2012-04-10",
      birthPlace: PLACES.rovereto,
      citizenships: [foreignCitizenship("romania", "2012-04-10")],
      civilStatus: 1,
      comune: c,
      status: resident,
      residenceHistory: [{ address: home, since: "2012-04-10" }],
    });
    marry(ion, elena, "2008-08-30", stateBirthPlace("romania", "BUCAREST"));
    addHousehold(b, "family", c, "2009-05-04", [
      { person: ion, relationship: 1 },
      { person: elena, relationship: 2 },
      { person: andrei, relationship: 3 },
    ]);

    const namesake = addPerson(b, {
      idAnpr: id(),
      surname: "ROSSI",
      name: "MARIO",
      sex: "M",
      birthDate: "1985-12-10",
      birthPlace: PLACES.sanGiulianoTerme,
      citizenships: italian("1985-12-10"),
      civilStatus: 1,
      comune: c,
      status: resident,
      residenceHistory: [{ address: streetAddress(c, street(c, "ROMA"), "7"), since: "2016-01-18" }],
      omocodeLevel: 1,
    });
    addHousehold(b, "family", c, "2016-01-18", [{ person: namesake, relationship: 1 }]);
  }

  if (has(BOLZANO)) {
    const c = BOLZANO;
    const home = streetAddress(c, street(c, "DEI PORTICI"), "22");
    const lukas = addPerson(b, {
      idAnpr: id(),
      surname: "GRUBER",
      name: "LUKAS",
      sex: "M",
      birthDate: "1980-07-21",
      birthPlace: PLACES.bolzano,
      citizenships: italian("1980-07-21"),
      civilStatus: 2,
      comune: c,
      status: resident,
      residenceHistory: [{ address: home, since: "2009-06-01" }],
    });
    const anna = addPerson(b, {
      idAnpr: id(),
      surname: "PICHLER",
      name: "ANNA",
      sex: "F",
      birthDate: "1982-02-14",
      birthPlace: PLACES.merano,
      citizenships: italian("1982-02-14"),
      civilStatus: 2,
      comune: c,
      status: resident,
      residenceHistory: [{ address: home, since: "2009-06-01" }],
    });
    marry(lukas, anna, "2009-05-16", PLACES.bolzano);
    addHousehold(b, "family", c, "2009-06-01", [
      { person: lukas, relationship: 1 },
      { person: anna, relationship: 2 },
    ]);
  }
}
