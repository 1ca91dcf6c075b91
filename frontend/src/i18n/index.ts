import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./en.json";
import zhTW from "./zh-TW.json";
import { getPref, setPref } from "../app/prefs";

export const LANGUAGES = [
  { code: "en", label: "English" },
  { code: "zh-TW", label: "繁體中文" },
] as const;
export type LanguageCode = (typeof LANGUAGES)[number]["code"];

function initialLanguage(): LanguageCode {
  const stored = getPref("language");
  if (stored === "en" || stored === "zh-TW") return stored;
  return typeof navigator !== "undefined" && navigator.language.toLowerCase().startsWith("zh")
    ? "zh-TW"
    : "en";
}

export const resources = { en: { translation: en }, "zh-TW": { translation: zhTW } } as const;

void i18n.use(initReactI18next).init({
  resources,
  lng: initialLanguage(),
  fallbackLng: false,
  interpolation: { escapeValue: false },
  returnNull: false,
});

function follow(lng: string): void {
  if (typeof document !== "undefined") document.documentElement.lang = lng;
}
follow(i18n.language);
i18n.on("languageChanged", (lng) => {
  follow(lng);
  setPref("language", lng);
});

export default i18n;
