/** The Novabox admin panel: setup wizard on first start, then login, configuration and audit log. */
import { render } from "solid-js/web";
import { Route, Router } from "@solidjs/router";
import "../../shared/styles.css";
import { MonthlyAccountPage } from "./business/MonthlyAccountPage.tsx";
import { Layout } from "./Layout.tsx";
import { StartPage } from "./StartPage.tsx";
import { SetupWizard } from "./setup/SetupWizard.tsx";
import { LoginPage } from "./LoginPage.tsx";
import { ConfigurationPage } from "./configuration/ConfigurationPage.tsx";
import { AuditLogPage } from "./audit/AuditLogPage.tsx";
import { ChangePasswordPage } from "./account/ChangePasswordPage.tsx";
import { createI18n, I18nProvider } from "../../shared/i18n.tsx";
import { german } from "../../shared/i18n-de.ts";

const i18n = createI18n({ german });

render(
  () => (
    <I18nProvider i18n={i18n}>
      <Router root={Layout}>
        <Route path="/" component={StartPage} />
        <Route path="/configurazione-iniziale" component={SetupWizard} />
        <Route path="/accesso" component={LoginPage} />
        <Route path="/configurazione" component={ConfigurationPage} />
        <Route path="/registro" component={AuditLogPage} />
        <Route path="/password" component={ChangePasswordPage} />
        <Route path="/conto" component={MonthlyAccountPage} />
        <Route path="*" component={StartPage} />
      </Router>
    </I18nProvider>
  ),
  document.getElementById("app")!,
);
