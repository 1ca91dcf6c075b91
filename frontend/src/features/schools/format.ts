import type { School } from "../../api/types";
import { schoolName } from "../teachers/lookups";

/** The school's name in the UI language first, the other language after it when it differs. */
export function schoolNames(school: Pick<School, "name">, lng: string): { main: string; other: string } {
  const main = schoolName(school, lng);
  const name = school.name ?? {};
  const chinese = typeof name.chinese === "string" ? name.chinese : "";
  const english = typeof name.english === "string" ? name.english : "";
  const other = main === chinese ? english : chinese;
  return { main, other: other && other !== main ? other : "" };
}

export function field(section: { [key: string]: unknown } | null | undefined, key: string): string {
  const value = section?.[key];
  return typeof value === "string" ? value : "";
}
