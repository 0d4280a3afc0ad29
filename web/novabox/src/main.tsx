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

render(
  () => (
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
  ),
  document.getElementById("app")!,
);
