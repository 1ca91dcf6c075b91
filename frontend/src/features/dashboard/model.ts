/**
 * The dashboard's response read into what the screen shows. The OpenAPI document types charts,
 * expiry lists and candidates as open objects, so each value is checked here before it is used.
 */
import type { Dashboard, DashboardQuery } from "../../api/types";

/** The filters the dashboard (and its URL) takes, each fed by one chart. */
export const FILTERS = ["pipelineStage", "nationality", "gender", "degree", "salaryRange", "hiringStatus", "seniority"] as const;
export type FilterKey = (typeof FILTERS)[number];
export type Filters = Partial<Record<FilterKey, string>>;

/** Chart → the filter its bars set. */
export const CHARTS: readonly { id: string; filter: FilterKey }[] = [
  { id: "pipeline", filter: "pipelineStage" },
  { id: "nationality", filter: "nationality" },
  { id: "gender", filter: "gender" },
  { id: "education", filter: "degree" },
  { id: "salary", filter: "salaryRange" },
  { id: "seniority", filter: "seniority" },
  { id: "hiringStatus", filter: "hiringStatus" },
];

/** The labels the API gives values that are missing (each is also a valid filter value). */
const NONE_LABELS = new Set(["Unspecified", "Unknown", "Not Specified", "Pending", "Uncategorized", "uncategorized"]);

export type Entry = { label: string; value: string; count: number; tone: "default" | "employed" | "none" };

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

export function chartEntries(data: Dashboard, chart: string): Entry[] {
  const raw = data.charts[chart] ?? [];
  return raw.flatMap((entry) => {
    const label = str(entry.name);
    if (label === null) return [];
    const stage = str(entry.stageId) ?? str(entry.id);
    const value = chart === "pipeline" && stage ? stage : label;
    const employed = entry.color === "#10b981" || entry.isEmployed === true;
    const none = NONE_LABELS.has(label) || value === "uncategorized";
    return [{ label, value, count: num(entry.count ?? entry.value), tone: employed ? "employed" : none ? "none" : "default" }];
  });
}

export function toQuery(filters: Filters, projectId: string | null): DashboardQuery {
  const query: DashboardQuery = {};
  if (projectId) query.projectId = projectId;
  for (const key of FILTERS) if (filters[key]) query[key] = filters[key];
  return query;
}

/** The teachers list's URL for the same filters (the list has no seniority filter). */
export function teachersLink(filters: Filters): string {
  const params = new URLSearchParams();
  for (const key of FILTERS) {
    const value = filters[key];
    if (value && key !== "seniority") params.set(key, value);
  }
  const text = params.toString();
  return text ? `/teachers?${text}` : "/teachers";
}

export type ExpiryItem = {
  key: string;
  teacherId: string;
  name: string;
  field: string;
  expiryDate: string;
  daysRemaining: number | null;
  expired: boolean;
  rules: string[];
};

/** The sections a rule can watch → the document names the screen shows. */
export const FIELD_DOCUMENT: Record<string, string> = {
  arcDetails: "arc",
  workPermitDetails: "workPermit",
  passportDetails: "passport",
  teachingLicense: "teachingLicense",
};

function readItem(raw: Record<string, unknown>, expiredList: boolean): ExpiryItem | null {
  const teacherId = str(raw.teacherId) ?? str(raw._id);
  const expiryDate = str(raw.expiryDate);
  if (!teacherId || !expiryDate) return null;
  const names = Array.isArray(raw.ruleNames) ? raw.ruleNames.filter((n): n is string => typeof n === "string") : (str(raw.ruleName) ?? "").split(", ").filter(Boolean);
  const field = str(raw.field) ?? str(raw.documentType) ?? "";
  const expired = expiredList || raw.status === "expired" || raw.type === "EXPIRED";
  const name = str(raw.name) ?? [str(raw.firstName), str(raw.lastName)].filter(Boolean).join(" ");
  return {
    key: `${teacherId}:${field}:${expiryDate}`,
    teacherId,
    name,
    field,
    expiryDate,
    daysRemaining: typeof raw.daysRemaining === "number" ? raw.daysRemaining : null,
    expired,
    rules: names,
  };
}

export type RuleGroup = { rule: string; items: ExpiryItem[]; expired: number };

/**
 * Expiring and already expired documents per alert rule: every flagged document under each rule
 * that flags it, expired ones first, then the soonest.
 */
export function expiryByRule(data: Dashboard): RuleGroup[] {
  const lists: [Record<string, Record<string, unknown>[]>, boolean][] = [[data.expiry, false]];
  const expired = (data as Record<string, unknown>).expired;
  if (expired && typeof expired === "object") lists.push([expired as Record<string, Record<string, unknown>[]>, true]);
  const groups = new Map<string, Map<string, ExpiryItem>>();
  for (const [list, isExpired] of lists) {
    for (const [category, items] of Object.entries(list)) {
      // "other" repeats the teaching licences listed under their own key.
      if (category === "other" && list.teachingLicense) continue;
      for (const raw of items) {
        const item = readItem(raw, isExpired);
        if (!item) continue;
        for (const rule of item.rules.length ? item.rules : [""]) {
          const group = groups.get(rule) ?? new Map<string, ExpiryItem>();
          group.set(item.key, item);
          groups.set(rule, group);
        }
      }
    }
  }
  return [...groups.entries()]
    .map(([rule, items]) => {
      const sorted = [...items.values()].sort((a, b) => Number(b.expired) - Number(a.expired) || a.expiryDate.localeCompare(b.expiryDate));
      return { rule, items: sorted, expired: sorted.filter((i) => i.expired).length };
    })
    .sort((a, b) => a.rule.localeCompare(b.rule));
}

export type Candidate = { id: string; name: string; email: string; nationality: string; stage: string };

export function candidates(data: Dashboard): Candidate[] {
  return data.candidates.flatMap((raw) => {
    const id = str(raw._id);
    if (!id) return [];
    const info = (raw.personalInfo ?? {}) as Record<string, unknown>;
    const nationality = str(raw.nationality) ?? str((info.nationality as Record<string, unknown> | undefined)?.english) ?? "";
    const name = [str(raw.firstName), str(raw.lastName)].filter(Boolean).join(" ");
    return [{ id, name, email: str(raw.email) ?? "", nationality, stage: str(raw.stageTitle) ?? str(raw.pipelineStage) ?? "" }];
  });
}
