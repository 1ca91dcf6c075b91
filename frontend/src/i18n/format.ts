import { useTranslation } from "react-i18next";

/** What the API sends in place of a value the caller's role may not read (viewers: document
 * numbers, birth dates, phones, addresses, salary); shown as it is. */
export const MASKED = "***";

/** Dates (stored as UTC midnight for date-only fields) and numbers in the current language. */
export function useFormat() {
  const { i18n } = useTranslation();
  const lng = i18n.language;
  return {
    date(iso: string | null | undefined): string {
      if (!iso) return "";
      if (iso === MASKED) return MASKED;
      const value = new Date(iso);
      if (Number.isNaN(value.getTime())) return "";
      return new Intl.DateTimeFormat(lng, { dateStyle: "medium", timeZone: "UTC" }).format(value);
    },
    dateTime(iso: string | null | undefined): string {
      if (!iso) return "";
      if (iso === MASKED) return MASKED;
      const value = new Date(iso);
      if (Number.isNaN(value.getTime())) return "";
      return new Intl.DateTimeFormat(lng, { dateStyle: "medium", timeStyle: "short" }).format(value);
    },
    number(value: number | string | null | undefined): string {
      if (value === null || value === undefined || value === "") return "";
      const n = typeof value === "number" ? value : Number(String(value).replace(/,/g, ""));
      return Number.isFinite(n) ? new Intl.NumberFormat(lng).format(n) : String(value);
    },
    bytes(value: number | null | undefined): string {
      if (value === null || value === undefined) return "";
      const units = ["byte", "kilobyte", "megabyte"] as const;
      let n = value;
      let unit = 0;
      while (n >= 1024 && unit < units.length - 1) {
        n /= 1024;
        unit += 1;
      }
      return new Intl.NumberFormat(lng, {
        style: "unit",
        unit: units[unit],
        unitDisplay: "short",
        maximumFractionDigits: 1,
      }).format(n);
    },
  };
}

/** An ISO date-time → the yyyy-mm-dd a date input shows (UTC, as stored). */
export function toDateInput(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 10) : "";
}
