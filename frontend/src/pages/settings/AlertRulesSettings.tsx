import { useEffect, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { allPages } from "../../api/pages";
import { toApiError } from "../../api/errors";
import type { AlertRule, AlertRuleCreate } from "../../api/types";
import { Outcome } from "../../components/ui/Alert";
import { ErrorMessage, useErrorText } from "../../components/ui/ErrorMessage";
import { Field } from "../../components/ui/Field";
import { FormDialog } from "../../components/ui/FormDialog";
import { ConfirmDialog } from "../../components/ui/Prompts";
import { Loading } from "../../components/ui/Spinner";
import { Badge, EmptyRow, TableShell, TD } from "../../components/ui/Table";
import { useFormat } from "../../i18n/format";
import { Section, useCanAdminister } from "../../features/settings/Section";

const DOCUMENT_TYPES = ["arcDetails", "workPermitDetails", "passportDetails", "teachingLicense"] as const;
const CONDITIONS = ["DAYS_REMAINING", "DATE_THRESHOLD"] as const;
type DocumentType = (typeof DOCUMENT_TYPES)[number];
type Condition = (typeof CONDITIONS)[number];
type Draft = { name: string; documentType: DocumentType; conditionType: Condition; days: string; date: string; isActive: boolean };
type Errors = Partial<Record<"name" | "documentType" | "conditionType" | "value", string>>;

function draftOf(rule: AlertRule | null): Draft {
  const condition = (rule?.conditionType as Condition | undefined) ?? "DAYS_REMAINING";
  return {
    name: rule?.name ?? "",
    documentType: (rule?.documentType as DocumentType | undefined) ?? "arcDetails",
    conditionType: condition,
    days: condition === "DAYS_REMAINING" && rule ? String(rule.value) : "30",
    date: condition === "DATE_THRESHOLD" && rule ? String(rule.value).slice(0, 10) : "",
    isActive: rule?.isActive ?? true,
  };
}

/** Create or edit a rule: document type, "days remaining" or a date threshold; the API's messages in place. */
function RuleDialog({ rule, open, onClose, onSaved }: { rule: AlertRule | null; open: boolean; onClose: () => void; onSaved: (rule: AlertRule) => void }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const [draft, setDraft] = useState<Draft>(draftOf(rule));
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (open) {
      setDraft(draftOf(rule));
      setErrors({});
      setFailure(null);
    }
  }, [open, rule]);
  const set = (changes: Partial<Draft>) => setDraft((d) => ({ ...d, ...changes }));

  const submit = async () => {
    const days = Number(draft.days);
    const value = draft.conditionType === "DAYS_REMAINING" ? (draft.days.trim() && Number.isInteger(days) ? days : draft.days) : draft.date;
    const local: Errors = {};
    if (!draft.name.trim()) local.name = t("validation.required");
    if (value === "") local.value = t("validation.required");
    setErrors(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    setFailure(null);
    const body: AlertRuleCreate = { name: draft.name.trim(), documentType: draft.documentType, conditionType: draft.conditionType, value, isActive: draft.isActive };
    const result = rule
      ? await api.PATCH("/api/alerts/{id}", { params: { path: { id: rule._id }, header: { "If-Match": String(rule.__v ?? 0) } }, body })
      : await api.POST("/api/alerts", { body });
    setBusy(false);
    if (!result.data) {
      const error = toApiError(result.response, result.error);
      const placed: Errors = {};
      for (const [field, message] of Object.entries(error.fieldErrors)) {
        if (field === "name" || field === "documentType" || field === "conditionType" || field === "value") placed[field] = message;
      }
      setErrors(placed);
      if (!Object.keys(placed).length) setFailure(errorText(error));
      return;
    }
    onSaved(result.data);
    onClose();
  };

  return (
    <FormDialog open={open} onClose={onClose} title={rule ? t("settings.alerts.editTitle", { name: rule.name }) : t("settings.alerts.new")} onSubmit={submit} failure={failure} busy={busy}>
      <Field label={t("settings.alerts.name")} error={errors.name}>
        {(p) => <input {...p} className="input" autoComplete="off" value={draft.name} onChange={(e) => set({ name: e.target.value })} />}
      </Field>
      <Field label={t("settings.alerts.documentType")} error={errors.documentType}>
        {(p) => (
          <select {...p} className="input" value={draft.documentType} onChange={(e) => set({ documentType: e.target.value as DocumentType })}>
            {DOCUMENT_TYPES.map((type) => (
              <option key={type} value={type}>
                {t(`settings.alerts.types.${type}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t("settings.alerts.condition")} error={errors.conditionType}>
        {(p) => (
          <select {...p} className="input" value={draft.conditionType} onChange={(e) => set({ conditionType: e.target.value as Condition })}>
            {CONDITIONS.map((condition) => (
              <option key={condition} value={condition}>
                {t(`settings.alerts.conditions.${condition}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {draft.conditionType === "DAYS_REMAINING" ? (
        <Field label={t("settings.alerts.days")} error={errors.value} hint={t("settings.alerts.daysHint")}>
          {(p) => <input {...p} type="number" inputMode="numeric" className="input" value={draft.days} onChange={(e) => set({ days: e.target.value })} />}
        </Field>
      ) : (
        <Field label={t("settings.alerts.date")} error={errors.value} hint={t("settings.alerts.dateHint")}>
          {(p) => <input {...p} type="date" className="input" value={draft.date} onChange={(e) => set({ date: e.target.value })} />}
        </Field>
      )}
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" className="h-4 w-4" checked={draft.isActive} onChange={(e) => set({ isActive: e.target.checked })} />
        {t("settings.alerts.active")}
      </label>
    </FormDialog>
  );
}

/** Alert rules on expiring documents: what the dashboard's expiry widget and the daily notices flag. */
export default function AlertRulesSettings() {
  const { t } = useTranslation();
  const canEdit = useCanAdminister();
  const format = useFormat();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<AlertRule | null | "new">(null);
  const [deleting, setDeleting] = useState<AlertRule | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const rules = useQuery({
    queryKey: ["alerts"],
    queryFn: () => allPages((page) => api.GET("/api/alerts", { params: { query: page } })),
  });
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ["alerts"] });
    await queryClient.invalidateQueries({ queryKey: ["dashboard"] });
  };
  const condition = (rule: AlertRule) =>
    rule.conditionType === "DATE_THRESHOLD"
      ? t("settings.alerts.onOrBefore", { date: format.date(String(rule.value)) })
      : t("settings.alerts.withinDays", { count: Number(rule.value) });

  const toggle = async (rule: AlertRule) => {
    setNotice(null);
    setFailure(null);
    const result = await api.PATCH("/api/alerts/{id}", { params: { path: { id: rule._id }, header: { "If-Match": String(rule.__v ?? 0) } }, body: { isActive: !rule.isActive } });
    if (!result.data) {
      setFailure(errorText(toApiError(result.response, result.error)));
      return;
    }
    setNotice(t(result.data.isActive ? "settings.alerts.enabled" : "settings.alerts.disabled", { name: rule.name }));
    await refresh();
  };

  return (
    <Section
      id="alerts"
      create={canEdit ? { label: t("settings.alerts.new"), onClick: () => setEditing("new") } : null}
    >
      <Outcome notice={notice} failure={failure} />
      {rules.error ? <ErrorMessage error={rules.error} /> : null}
      {rules.isLoading ? (
        <Loading />
      ) : (
        <TableShell
          caption={t("settings.alerts.caption")}
          columns={[t("settings.alerts.name"), t("settings.alerts.documentType"), t("settings.alerts.condition"), t("settings.alerts.state"), canEdit && t("common.actions")]}
        >
          {(rules.data ?? []).map((rule) => (
            <tr key={rule._id}>
              <td className={`${TD} font-medium`}>{rule.name}</td>
              <td className={TD}>{t(`settings.alerts.types.${rule.documentType}`, { defaultValue: rule.documentType })}</td>
              <td className={TD}>{condition(rule)}</td>
              <td className={TD}>{rule.isActive ? <Badge tone="success">{t("settings.alerts.activeState")}</Badge> : <Badge>{t("settings.alerts.inactiveState")}</Badge>}</td>
              {canEdit ? (
                <td className={`${TD} whitespace-nowrap`}>
                  <div className="flex gap-2">
                    <button type="button" className="btn btn-small" aria-label={t("settings.alerts.editNamed", { name: rule.name })} onClick={() => setEditing(rule)}>
                      {t("common.edit")}
                    </button>
                    <button type="button" className="btn btn-small" aria-label={t(rule.isActive ? "settings.alerts.disableNamed" : "settings.alerts.enableNamed", { name: rule.name })} onClick={() => void toggle(rule)}>
                      {t(rule.isActive ? "settings.alerts.disable" : "settings.alerts.enable")}
                    </button>
                    <button type="button" className="btn btn-small" aria-label={t("settings.alerts.deleteNamed", { name: rule.name })} onClick={() => setDeleting(rule)}>
                      {t("common.delete")}
                    </button>
                  </div>
                </td>
              ) : null}
            </tr>
          ))}
          {rules.data && rules.data.length === 0 ? <EmptyRow colSpan={5}>{t("settings.alerts.none")}</EmptyRow> : null}
        </TableShell>
      )}
      <RuleDialog
        open={editing !== null}
        rule={editing === "new" ? null : editing}
        onClose={() => setEditing(null)}
        onSaved={(saved) => {
          setFailure(null);
          setNotice(t("settings.alerts.saved", { name: saved.name }));
          void refresh();
        }}
      />
      <ConfirmDialog
        open={deleting !== null}
        title={t("settings.alerts.deleteTitle", { name: deleting?.name ?? "" })}
        description={t("settings.alerts.deleteBody")}
        confirmLabel={t("common.delete")}
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return null;
          const result = await api.DELETE("/api/alerts/{id}", { params: { path: { id: deleting._id }, header: { "If-Match": String(deleting.__v ?? 0) } } });
          if (!result.data) return errorText(toApiError(result.response, result.error));
          setNotice(t("settings.alerts.deleted", { name: deleting.name }));
          await refresh();
          return null;
        }}
      />
    </Section>
  );
}
