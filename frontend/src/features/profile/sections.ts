/** The profile's sections (FETMS's), each edited on its own; names are API dot paths. */
export type FieldKind = "text" | "email" | "tel" | "date" | "number" | "textarea" | "gender" | "hiringStatus" | "checkbox" | "school" | "stage";
export type FieldDef = { name: string; kind: FieldKind; required?: boolean };
export type SectionDef = { id: string; fields: FieldDef[] };

const text = (name: string, required = false): FieldDef => ({ name, kind: "text", required });
const date = (name: string): FieldDef => ({ name, kind: "date" });

export const SECTIONS: SectionDef[] = [
  {
    id: "personal",
    fields: [
      text("firstName", true),
      text("middleName"),
      text("lastName", true),
      { name: "email", kind: "email", required: true },
      text("personalInfo.chineseName"),
      text("personalInfo.englishName"),
      text("personalInfo.nationality.english"),
      text("personalInfo.nationality.chinese"),
      { name: "personalInfo.phone", kind: "tel" },
      date("personalInfo.dob"),
      { name: "personalInfo.gender", kind: "gender" },
      { name: "personalInfo.hiringStatus", kind: "hiringStatus" },
      text("personalInfo.address.taiwan"),
      text("personalInfo.address.home"),
    ],
  },
  {
    id: "emergency",
    fields: [text("emergencyContact.name"), text("emergencyContact.relationship"), { name: "emergencyContact.phone", kind: "tel" }, { name: "emergencyContact.email", kind: "email" }],
  },
  {
    id: "passport",
    fields: [text("passportDetails.number"), text("passportDetails.issuingCountry"), text("passportDetails.issuingAuthority"), date("passportDetails.issueDate"), date("passportDetails.expiryDate")],
  },
  { id: "education", fields: [text("education.degree"), text("education.major"), text("education.school")] },
  { id: "teachingLicense", fields: [date("teachingLicense.expiryDate")] },
  { id: "criminalRecord", fields: [date("criminalRecord.issueDate")] },
  {
    id: "workPermit",
    fields: [text("workPermitDetails.permitNumber"), date("workPermitDetails.issueDate"), date("workPermitDetails.startDate"), date("workPermitDetails.expiryDate")],
  },
  {
    id: "contract",
    fields: [
      date("contractDetails.contractStartDate"),
      date("contractDetails.contractEndDate"),
      date("contractDetails.payStartDate"),
      date("contractDetails.payEndDate"),
      { name: "contractDetails.salary", kind: "number" },
      text("contractDetails.senioritySalary"),
      text("contractDetails.seniorityLeave"),
      { name: "contractDetails.hasSalaryIncrease", kind: "checkbox" },
      date("contractDetails.salaryIncreaseDate"),
      { name: "contractDetails.estimatedPromotedSalary", kind: "number" },
    ],
  },
  { id: "arc", fields: [date("arcDetails.expiryDate"), text("arcDetails.purpose")] },
  { id: "placement", fields: [{ name: "school", kind: "school" }, { name: "pipelineStage", kind: "stage" }] },
  { id: "remarks", fields: [{ name: "remarks", kind: "textarea" }] },
];

export function getPath(source: unknown, path: string): unknown {
  let value: unknown = source;
  for (const part of path.split(".")) {
    if (value === null || value === undefined || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== "object" || next === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

/** Form keys cannot contain dots (react-hook-form would nest them): `a.b` ↔ `a__b`. */
export const toKey = (path: string) => path.replace(/\./g, "__");
export const toPath = (key: string) => key.replace(/__/g, ".");
