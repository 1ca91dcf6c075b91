import { useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Stage, School } from "../../api/types";
import { EXPIRING_DOCUMENTS, GENDERS, HIRING_STATUSES, SALARY_RANGES, type ListState } from "./filters";
import { schoolName } from "./lookups";

type Props = {
  state: ListState;
  update: (changes: Record<string, string | number | null>) => void;
  stages: Stage[];
  schools: School[];
};

/** A labelled select (filters). */
export function Select({ label, value, onChange, children }: { label: string; value: string; onChange: (v: string) => void; children: React.ReactNode }) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className="label">
        {label}
      </label>
      <select id={id} className="input" value={value} onChange={(e) => onChange(e.target.value)}>
        {children}
      </select>
    </div>
  );
}

/** A text filter applied after a short pause in typing. */
function useDebounced(value: string, apply: (v: string) => void, delay = 300) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const timer = setTimeout(() => apply(text), delay);
    return () => clearTimeout(timer);
  }, [text, value, apply, delay]);
  return [text, setText] as const;
}

function TextFilter({ label, value, onApply, type = "text" }: { label: string; value: string; onApply: (v: string) => void; type?: string }) {
  const id = useId();
  const [text, setText] = useDebounced(value, onApply);
  return (
    <div>
      <label htmlFor={id} className="label">
        {label}
      </label>
      <input id={id} type={type} className="input" value={text} onChange={(e) => setText(e.target.value)} />
    </div>
  );
}

/** The list's search box (label **Search**), applied after a short pause in typing. */
export function SearchBox({ value, onApply, placeholder }: { value: string; onApply: (v: string) => void; placeholder?: string }) {
  const { t } = useTranslation();
  const id = useId();
  const [text, setText] = useDebounced(value, onApply);
  return (
    <div className="w-72">
      <label htmlFor={id} className="label">
        {t("teachers.search")}
      </label>
      <input id={id} type="search" className="input" value={text} placeholder={placeholder ?? t("teachers.searchPlaceholder")} onChange={(e) => setText(e.target.value)} />
    </div>
  );
}

export function Filters({ state, update, stages, schools }: Props) {
  const { t, i18n } = useTranslation();
  const f = state.filters;
  const set = (key: string) => (value: string) => update({ [key]: value || null });
  const active = Object.keys(f).filter((k) => k !== "search").length;
  return (
    <details className="card p-3" open={active > 0}>
      <summary className="cursor-pointer text-sm font-semibold">
        {t("teachers.filters.title")} {active ? t("teachers.filters.active", { count: active }) : ""}
      </summary>
      <div className="mt-3 grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-5">
        <Select label={t("teachers.filters.stage")} value={f.pipelineStage ?? ""} onChange={set("pipelineStage")}>
          <option value="">{t("common.any")}</option>
          <option value="uncategorized">{t("kanban.uncategorized")}</option>
          {stages.map((s) => (
            <option key={s._id} value={s._id}>
              {s.title}
            </option>
          ))}
        </Select>
        <Select label={t("teachers.filters.school")} value={f.school ?? ""} onChange={set("school")}>
          <option value="">{t("common.any")}</option>
          {schools.map((s) => (
            <option key={s._id} value={s._id}>
              {schoolName(s, i18n.language)}
            </option>
          ))}
        </Select>
        <TextFilter label={t("teachers.filters.nationality")} value={f.nationality ?? ""} onApply={set("nationality")} />
        <Select label={t("teachers.filters.gender")} value={f.gender ?? ""} onChange={set("gender")}>
          <option value="">{t("common.any")}</option>
          {GENDERS.map((g) => (
            <option key={g} value={g}>
              {t(`values.gender.${g}`)}
            </option>
          ))}
        </Select>
        <Select label={t("teachers.filters.hiringStatus")} value={f.hiringStatus ?? ""} onChange={set("hiringStatus")}>
          <option value="">{t("common.any")}</option>
          {HIRING_STATUSES.map((h) => (
            <option key={h} value={h}>
              {t(`values.hiringStatus.${h}`)}
            </option>
          ))}
        </Select>
        <TextFilter label={t("teachers.filters.degree")} value={f.degree ?? ""} onApply={set("degree")} />
        <Select label={t("teachers.filters.salaryRange")} value={f.salaryRange ?? ""} onChange={set("salaryRange")}>
          <option value="">{t("common.any")}</option>
          {SALARY_RANGES.map((r) => (
            <option key={r} value={r}>
              {r === "Unspecified" ? t("common.unspecified") : r}
            </option>
          ))}
        </Select>
        <Select label={t("teachers.filters.expiringDocument")} value={f.expiringDocument ?? ""} onChange={set("expiringDocument")}>
          <option value="">{t("common.any")}</option>
          {EXPIRING_DOCUMENTS.map((d) => (
            <option key={d} value={d}>
              {t(`documents.types.${d}`)}
            </option>
          ))}
        </Select>
        {f.expiringDocument ? (
          <TextFilter label={t("teachers.filters.withinDays")} type="number" value={f.expiringWithinDays ?? "30"} onApply={set("expiringWithinDays")} />
        ) : null}
      </div>
      {active > 0 ? (
        <button
          type="button"
          className="btn btn-small mt-3"
          onClick={() =>
            update(Object.fromEntries(Object.keys(f).filter((k) => k !== "search").map((k) => [k, null])))
          }
        >
          {t("teachers.filters.clear")}
        </button>
      ) : null}
    </details>
  );
}
