/**
 * The translation rules, apart from Solid so they can be tested on their own: the Italian text is
 * the message id (gettext style); German comes from a dictionary by id, with `{name}` placeholders
 * filled from params; a dictionary entry with placeholders also translates a text formatted
 * elsewhere (a validation message with a number in it); anything without an entry stays Italian.
 */
/** The languages of the apps. */
export const locales = ["it", "de"] as const;
export type Locale = (typeof locales)[number];

/** German text by Italian message id. */
export type Dictionary = Readonly<Record<string, string>>;

/** Values of a message's `{name}` placeholders. */
export type MessageParams = Readonly<Record<string, string | number | undefined>>;

/** `text` with each `{name}` replaced by `params[name]` (unknown names left as they are). */
export const fill = (text: string, params?: MessageParams): string =>
  params
    ? text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name] ?? "") : whole))
    : text;

/** The first of our languages among the browser's preferences, else Italian. */
export function preferredLocale(languages: readonly string[]): Locale {
  for (const tag of languages) {
    const base = tag.toLowerCase().split("-")[0];
    const found = locales.find((l) => l === base);
    if (found) return found;
  }
  return "it";
}

/**
 * Placeholder entries as patterns, so "Almeno 12 caratteri." finds "Almeno {n} caratteri.": each
 * placeholder matches any text, which is carried over into the German.
 */
function patternsOf(german: Dictionary): { pattern: RegExp; names: string[]; text: string }[] {
  return Object.entries(german)
    .filter(([id]) => /\{\w+\}/.test(id))
    .map(([id, text]) => {
      const names: string[] = [];
      const source = id
        .split(/(\{\w+\})/)
        .map((part) => {
          const m = /^\{(\w+)\}$/.exec(part);
          if (m) {
            names.push(m[1]!);
            return "(.+?)";
          }
          return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        })
        .join("");
      return { pattern: new RegExp(`^${source}$`, "s"), names, text };
    });
}

/** Translates ids to `locale` with `german` (built once: the placeholder patterns are compiled here). */
export function createTranslator(german: Dictionary): (locale: Locale, id: string, params?: MessageParams) => string {
  const patterns = patternsOf(german);
  const toGerman = (id: string, params?: MessageParams): string => {
    const exact = german[id];
    if (exact !== undefined) return fill(exact, params);
    const text = fill(id, params);
    for (const p of patterns) {
      const m = p.pattern.exec(text);
      // the text carried over may itself be a message (e.g. the name of a field)
      if (m) return p.names.reduce((out, name, i) => out.replace(`{${name}}`, german[m[i + 1]!] ?? m[i + 1]!), p.text);
    }
    return text;
  };
  return (locale, id, params) => (locale === "de" ? toGerman(id, params) : fill(id, params));
}
