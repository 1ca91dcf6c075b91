import type { SortField, Teacher } from "../../api/types";

/** Columns of the list: id (= i18n key and, where sortable, the API sort field) and its value. */
export type ColumnDef = {
  id: string;
  sort?: SortField;
  kind: "text" | "date" | "number";
  value: (teacher: Teacher, ctx: { stageTitle: (id: string | null | undefined) => string; lng: string }) => string | number | null | undefined;
};

export const COLUMNS: ColumnDef[] = [
  { id: "name", sort: "firstName", kind: "text", value: (t) => [t.firstName, t.middleName, t.lastName].filter(Boolean).join(" ") },
  { id: "email", sort: "email", kind: "text", value: (t) => t.email },
  { id: "nationality", sort: "nationality", kind: "text", value: (t) => t.personalInfo?.nationality?.english ?? t.personalInfo?.nationality?.chinese },
  { id: "gender", sort: "gender", kind: "text", value: (t) => t.personalInfo?.gender },
  {
    id: "school",
    sort: "school",
    kind: "text",
    value: (t, { lng }) => {
      const school = typeof t.school === "object" && t.school ? t.school : null;
      const name = school?.name;
      return (lng.startsWith("zh") ? name?.chinese || name?.english : name?.english || name?.chinese) ?? t.personalInfo?.serviceSchool;
    },
  },
  { id: "stage", sort: "pipelineStage", kind: "text", value: (t, { stageTitle }) => stageTitle(t.pipelineStage) },
  { id: "hiringStatus", sort: "hiringStatus", kind: "text", value: (t) => t.personalInfo?.hiringStatus },
  { id: "degree", sort: "degree", kind: "text", value: (t) => t.education?.degree },
  { id: "salary", sort: "salary", kind: "number", value: (t) => t.contractDetails?.salary ?? null },
  { id: "contractEnd", sort: "contractEndDate", kind: "date", value: (t) => t.contractDetails?.contractEndDate },
  { id: "arcExpiry", sort: "arcExpiry", kind: "date", value: (t) => t.arcDetails?.expiryDate },
  { id: "workPermitExpiry", sort: "workPermitExpiry", kind: "date", value: (t) => t.workPermitDetails?.expiryDate },
  { id: "passportExpiry", sort: "passportExpiry", kind: "date", value: (t) => t.passportDetails?.expiryDate },
  { id: "createdAt", sort: "createdAt", kind: "date", value: (t) => t.createdAt },
];

export const DEFAULT_COLUMNS = ["name", "email", "nationality", "school", "stage", "hiringStatus", "arcExpiry"];
