import { useMemo } from "react";
import { useUrlState } from "../../app/urlState";
import type { SortField, TeacherListQuery } from "../../api/types";

export const FILTER_KEYS = [
  "search",
  "pipelineStage",
  "school",
  "nationality",
  "gender",
  "hiringStatus",
  "degree",
  "salaryRange",
  "expiringDocument",
  "expiringWithinDays",
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export const GENDERS = ["Male", "Female", "Other"] as const;
export const HIRING_STATUSES = ["Newly Hired", "Re-Hired"] as const;
/** The dashboard's salary labels (the API's `salaryRange` values). */
export const SALARY_RANGES = [
  "0-40000",
  "40000-50000",
  "50000-60000",
  "60000-70000",
  "70000-80000",
  "80000+",
  "Unspecified",
] as const;
export const EXPIRING_DOCUMENTS = ["arc", "workPermit", "passport", "teachingLicense"] as const;
export const PAGE_SIZES = [25, 50, 100] as const;

export type ListState = {
  filters: Partial<Record<FilterKey, string>>;
  page: number;
  size: number;
  sort: SortField;
  order: "asc" | "desc";
  view: "list" | "kanban";
  /** Editors: the soft-deleted teachers instead of the live ones (to restore them). */
  deleted: boolean;
};

/** The list's state lives in the URL: bookmarkable, shareable, and Back works. */
export function useListState() {
  const { params, update } = useUrlState();
  const state = useMemo<ListState>(() => {
    const filters: ListState["filters"] = {};
    for (const key of FILTER_KEYS) {
      const value = params.get(key);
      if (value) filters[key] = value;
    }
    const size = Number(params.get("size"));
    return {
      filters,
      page: Math.max(1, Number(params.get("page")) || 1),
      size: (PAGE_SIZES as readonly number[]).includes(size) ? size : 25,
      sort: (params.get("sort") as SortField | null) ?? "createdAt",
      order: params.get("order") === "asc" ? "asc" : "desc",
      view: params.get("view") === "kanban" ? "kanban" : "list",
      deleted: params.get("deleted") === "only",
    };
  }, [params]);

  return { state, update };
}

/** The API query for the list/export from the URL state and the selected project. */
export function toQuery(state: ListState, projectId: string | null): TeacherListQuery {
  const f = state.filters;
  const days = f.expiringWithinDays ? Number(f.expiringWithinDays) : undefined;
  const query: TeacherListQuery = {
    sort: state.sort,
    order: state.order,
    limit: state.size,
    offset: (state.page - 1) * state.size,
  };
  if (projectId) query.projectId = projectId;
  if (state.deleted) query.deleted = "only";
  if (f.search) query.search = f.search;
  if (f.pipelineStage) query.pipelineStage = f.pipelineStage;
  if (f.school) query.school = f.school;
  if (f.nationality) query.nationality = f.nationality;
  if (f.gender) query.gender = f.gender;
  if (f.hiringStatus) query.hiringStatus = f.hiringStatus;
  if (f.degree) query.degree = f.degree;
  if (f.salaryRange) query.salaryRange = f.salaryRange;
  if (f.expiringDocument) {
    query.expiringDocument = f.expiringDocument as NonNullable<TeacherListQuery["expiringDocument"]>;
    if (days !== undefined && Number.isFinite(days)) query.expiringWithinDays = days;
  }
  return query;
}
