/**
 * Italian and German for the panel and the console (bilingual Comuni of South Tyrol). The Italian
 * text in the code is the message id (gettext style): `t("Registro delle operazioni")` shows the
 * German entry of the app's dictionary when the language is German, the Italian text otherwise, so a
 * string nobody translated yet still reads correctly in Italian. Ids may hold `{name}` placeholders,
 * filled from `params`; a dictionary entry with placeholders also translates a text that was
 * formatted elsewhere (e.g. a validation message with a number in it).
 *
 * The language comes from the user's choice (kept in localStorage), else the browser's languages
 * (`navigator.languages`, first of Italian or German), else Italian; `<html lang>` follows it so
 * screen readers pronounce the page right (WCAG 2.1, 3.1.1).
 */
import { createContext, createSignal, For, useContext, type Accessor, type JSX, type ParentProps } from "solid-js";
import {
  createTranslator,
  locales,
  preferredLocale,
  type Dictionary,
  type Locale,
  type MessageParams,
} from "./translate.ts";

export { locales, type Dictionary, type Locale, type MessageParams } from "./translate.ts";

/** What a component gets from {@link useI18n}. */
export interface I18n {
  locale: Accessor<Locale>;
  setLocale: (locale: Locale) => void;
  /** The message in the current language, placeholders filled. */
  t: (id: string, params?: MessageParams) => string;
  /** The BCP 47 tag for Intl formatters: it-IT or de-DE. */
  intlLocale: () => string;
}

/** Options for {@link createI18n}. */
export interface I18nOptions {
  /** German by Italian id (the app's own entries plus the shared ones). */
  german: Dictionary;
  /** Where the user's choice is kept; default window.localStorage when present. */
  storage?: Pick<Storage, "getItem" | "setItem">;
  /** The browser's preferred languages; default navigator.languages. */
  languages?: readonly string[];
  /** The document whose `lang` follows the language; default the current one. */
  document?: Pick<Document, "documentElement">;
}

const storageKey = "novabox.lang";

/** Creates the language state of one app. */
export function createI18n(options: I18nOptions): I18n {
  const storage = options.storage ?? (typeof localStorage === "undefined" ? undefined : localStorage);
  const doc = options.document ?? (typeof document === "undefined" ? undefined : document);
  const stored = storage?.getItem(storageKey);
  const initial: Locale =
    locales.find((l) => l === stored) ??
    preferredLocale(options.languages ?? (typeof navigator === "undefined" ? [] : navigator.languages));
  const [locale, setLocaleSignal] = createSignal<Locale>(initial);
  const translate = createTranslator(options.german);
  const apply = (l: Locale) => {
    if (doc) doc.documentElement.lang = l;
  };
  apply(initial);

  return {
    locale,
    setLocale(l) {
      setLocaleSignal(() => l);
      storage?.setItem(storageKey, l);
      apply(l);
    },
    t: (id, params) => translate(locale(), id, params),
    intlLocale: () => (locale() === "de" ? "de-DE" : "it-IT"),
  };
}

const I18nContext = createContext<I18n>();

/** Makes `i18n` the language state of everything inside. */
export function I18nProvider(props: ParentProps<{ i18n: I18n }>): JSX.Element {
  return <I18nContext.Provider value={props.i18n}>{props.children}</I18nContext.Provider>;
}

/** The language state of the app (inside {@link I18nProvider}). */
export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (!i18n) throw new Error("useI18n outside I18nProvider");
  return i18n;
}

const names: Record<Locale, string> = { it: "Italiano", de: "Deutsch" };

/** The language switch of the header: one button per language, the current one pressed. */
export function LanguageSwitch(): JSX.Element {
  const { locale, setLocale, t } = useI18n();
  return (
    <div class="language-switch" role="group" aria-label={t("Lingua")}>
      <For each={locales}>
        {(l) => (
          <button
            type="button"
            class="secondary"
            lang={l}
            aria-pressed={locale() === l}
            onClick={() => setLocale(l)}
            data-testid={`lang-${l}`}
          >
            {names[l]}
          </button>
        )}
      </For>
    </div>
  );
}
