import { useMemo, useState } from "react";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { z } from "zod";
import { useTranslation } from "react-i18next";
import type { Teacher, TeacherUpdate } from "../../api/types";
import { ApiError } from "../../api/errors";
import { Field } from "../../components/ui/Field";
import { Alert } from "../../components/ui/Alert";
import { useErrorText } from "../../components/ui/ErrorMessage";
import { toDateInput, useFormat } from "../../i18n/format";
import { GENDERS, HIRING_STATUSES } from "../teachers/filters";
import { schoolName, useSchools, useStages } from "../teachers/lookups";
import { SchoolOptions, StageOptions } from "../teachers/options";
import { getPath, setPath, toKey, toPath, type FieldDef, type SectionDef } from "./sections";

type Values = Record<string, string | boolean>;

function initialValue(teacher: Teacher, field: FieldDef): string | boolean {
  const raw = getPath(teacher, field.name);
  if (field.kind === "checkbox") return raw === true;
  if (field.kind === "date") return toDateInput(typeof raw === "string" ? raw : null);
  if (field.kind === "school") return typeof raw === "object" && raw !== null ? String((raw as { _id?: string })._id ?? "") : String(raw ?? "");
  if (raw === null || raw === undefined) return "";
  return String(raw);
}

function schemaFor(section: SectionDef) {
  const shape: Record<string, z.ZodType> = {};
  for (const field of section.fields) {
    const key = toKey(field.name);
    if (field.kind === "checkbox") shape[key] = z.boolean();
    else if (field.required) shape[key] = z.string().trim().min(1, "validation.required");
    else if (field.kind === "number") shape[key] = z.string().refine((v) => v.trim() === "" || !Number.isNaN(Number(v.replace(/,/g, ""))), "validation.number");
    else shape[key] = z.string();
  }
  return z.object(shape);
}

type Props = {
  teacher: Teacher;
  section: SectionDef;
  canEdit: boolean;
  onSave: (body: TeacherUpdate) => Promise<void>;
};

/** One profile section: read view, and an edit form sending only this section's fields. */
export function SectionCard({ teacher, section, canEdit, onSave }: Props) {
  const { t, i18n } = useTranslation();
  const format = useFormat();
  const errorText = useErrorText();
  const stages = useStages().data ?? [];
  const schools = useSchools().data ?? [];
  const [editing, setEditing] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const defaults = useMemo(() => Object.fromEntries(section.fields.map((f) => [toKey(f.name), initialValue(teacher, f)])) as Values, [teacher, section]);
  const form = useForm<Values>({ resolver: zodResolver(schemaFor(section)) as never, values: defaults });
  const title = t(`profile.sections.${section.id}`);
  const headingId = `section-${section.id}`;

  const display = (field: FieldDef): string => {
    const raw = getPath(teacher, field.name);
    if (raw === null || raw === undefined || raw === "") return "—";
    switch (field.kind) {
      case "date":
        return format.date(String(raw));
      case "number":
        return format.number(raw as number | string);
      case "checkbox":
        return raw === true ? t("common.yes") : t("common.no");
      case "gender":
        return t(`values.gender.${String(raw)}`, { defaultValue: String(raw) });
      case "hiringStatus":
        return t(`values.hiringStatus.${String(raw)}`, { defaultValue: String(raw) });
      case "school":
        return typeof raw === "object" ? schoolName(raw as never, i18n.language) || "—" : String(raw);
      case "stage":
        return stages.find((s) => s._id === raw)?.title ?? t("kanban.uncategorized");
      default:
        return String(raw);
    }
  };

  const onSubmit = form.handleSubmit(async (values) => {
    setFailure(null);
    const body: Record<string, unknown> = {};
    for (const field of section.fields) {
      const value = values[toKey(field.name)];
      if (field.kind === "checkbox") setPath(body, field.name, value === true);
      else if (field.kind === "stage" && value === "") setPath(body, field.name, "uncategorized");
      else setPath(body, field.name, typeof value === "string" ? value.trim() : value);
    }
    try {
      await onSave(body as TeacherUpdate);
      setEditing(false);
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) return; // the conflict dialog takes over
      let placed = 0;
      if (error instanceof ApiError) {
        for (const [field, message] of Object.entries(error.fieldErrors)) {
          if (section.fields.some((f) => f.name === field)) {
            form.setError(toKey(field), { type: "server", message }, { shouldFocus: placed === 0 });
            placed += 1;
          }
        }
        if (error.status === 409 && placed === 0 && section.fields.some((f) => f.name === "email")) {
          form.setError("email", { type: "server", message: error.problem?.message ?? "" }, { shouldFocus: true });
          placed = 1;
        }
      }
      if (placed === 0) setFailure(errorText(error));
    }
  });

  const control = (field: FieldDef) => {
    const key = toKey(field.name);
    const label = t(`fields.${field.name}`);
    const message = form.formState.errors[key]?.message;
    const error = typeof message === "string" ? t(message, { defaultValue: message }) : undefined;
    if (field.kind === "checkbox") {
      return (
        <label key={key} className="flex items-center gap-2 text-sm">
          <input type="checkbox" {...form.register(key)} />
          {label}
        </label>
      );
    }
    return (
      <Field key={key} label={label} error={error} className={field.kind === "textarea" ? "sm:col-span-2" : undefined}>
        {(p) => {
          const common = { ...p, ...form.register(key), className: "input" };
          switch (field.kind) {
            case "textarea":
              return <textarea {...common} rows={4} />;
            case "gender":
            case "hiringStatus":
              return (
                <select {...common}>
                  <option value="">{t("common.none")}</option>
                  {(field.kind === "gender" ? GENDERS : HIRING_STATUSES).map((v) => (
                    <option key={v} value={v}>
                      {t(`values.${field.kind}.${v}`)}
                    </option>
                  ))}
                </select>
              );
            case "school":
              return (
                <select {...common}>
                  <SchoolOptions schools={schools} />
                </select>
              );
            case "stage":
              return (
                <select {...common}>
                  <StageOptions stages={stages} />
                </select>
              );
            case "number":
              return <input {...common} inputMode="decimal" />;
            default:
              return <input {...common} type={field.kind} />;
          }
        }}
      </Field>
    );
  };

  return (
    <section aria-labelledby={headingId} className="card p-4">
      <div className="mb-3 flex items-center justify-between">
        <h2 id={headingId} className="text-lg font-semibold">
          {title}
        </h2>
        {canEdit && !editing ? (
          <button type="button" className="btn btn-small" aria-label={t("profile.editSection", { section: title })} onClick={() => setEditing(true)}>
            {t("common.edit")}
          </button>
        ) : null}
      </div>
      {editing ? (
        <form noValidate onSubmit={onSubmit} aria-label={title} className="grid grid-cols-1 gap-3 sm:grid-cols-2">
          {section.fields.map(control)}
          {failure ? (
            <div className="sm:col-span-2">
              <Alert>{failure}</Alert>
            </div>
          ) : null}
          <div className="flex gap-2 sm:col-span-2">
            <button type="submit" className="btn btn-primary" disabled={form.formState.isSubmitting}>
              {t("common.save")}
            </button>
            <button
              type="button"
              className="btn"
              onClick={() => {
                form.reset(defaults);
                setFailure(null);
                setEditing(false);
              }}
            >
              {t("common.cancel")}
            </button>
          </div>
        </form>
      ) : (
        <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
          {section.fields.map((field) => (
            <div key={field.name} className={field.kind === "textarea" ? "sm:col-span-2" : undefined}>
              <dt className="muted">{t(`fields.${field.name}`)}</dt>
              <dd className="break-words whitespace-pre-wrap">{display(field)}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

export { toPath };
