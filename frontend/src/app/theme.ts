import { getPref, setPref } from "./prefs";

export type ThemeChoice = "light" | "dark" | "system";
export const THEMES: readonly ThemeChoice[] = ["light", "dark", "system"];

export function storedTheme(): ThemeChoice {
  const value = getPref("theme");
  return value === "light" || value === "dark" ? value : "system";
}

function prefersDark(): boolean {
  return typeof window.matchMedia === "function" && window.matchMedia("(prefers-color-scheme: dark)").matches;
}

/** Apply a theme choice to <html> (class `dark`) and remember it. */
export function applyTheme(choice: ThemeChoice, remember = true): void {
  const dark = choice === "dark" || (choice === "system" && prefersDark());
  document.documentElement.classList.toggle("dark", dark);
  document.documentElement.style.colorScheme = dark ? "dark" : "light";
  if (remember) setPref("theme", choice);
}

export function watchSystemTheme(): () => void {
  if (typeof window.matchMedia !== "function") return () => undefined;
  const media = window.matchMedia("(prefers-color-scheme: dark)");
  const onChange = () => {
    if (storedTheme() === "system") applyTheme("system", false);
  };
  media.addEventListener("change", onChange);
  return () => media.removeEventListener("change", onChange);
}
