import { useId, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { toApiError } from "../../api/errors";
import { useHealth } from "../../app/health";
import { Alert } from "../../components/ui/Alert";
import { ErrorMessage, useErrorText } from "../../components/ui/ErrorMessage";
import { Loading } from "../../components/ui/Spinner";
import { Badge, EmptyRow, TableShell, TD } from "../../components/ui/Table";
import { useFormat } from "../../i18n/format";
import { Section, useIsAdmin } from "../../features/settings/Section";

type Check = { status?: unknown; latencyMs?: unknown; error?: unknown };

function HealthCard() {
  const { t } = useTranslation();
  const format = useFormat();
  const health = useHealth();
  const data = health.data && typeof health.data === "object" && "checks" in health.data ? health.data : null;
  const checks = (data?.checks ?? {}) as Record<string, Check>;
  return (
    <section aria-labelledby="ops-health" className="card flex flex-col gap-3 p-4">
      <div className="flex flex-wrap items-center gap-3">
        <h3 id="ops-health" className="mr-auto font-semibold">
          {t("settings.operations.health")}
        </h3>
        <button type="button" className="btn btn-small" onClick={() => void health.refetch()} disabled={health.isFetching}>
          {t("settings.operations.checkAgain")}
        </button>
      </div>
      {health.isLoading ? <Loading /> : null}
      {data ? (
        <dl className="grid grid-cols-1 gap-2 text-sm sm:grid-cols-3">
          <div>
            <dt className="muted">{t("settings.operations.overall")}</dt>
            <dd>{data.status === "ok" ? <Badge tone="success">{t("settings.operations.ok")}</Badge> : <Badge tone="danger">{t("settings.operations.unavailable")}</Badge>}</dd>
          </div>
          {(["mongodb", "s3"] as const).map((name) => {
            const check = checks[name] ?? {};
            const ok = check.status === "ok";
            return (
              <div key={name}>
                <dt className="muted">{t(`settings.operations.checks.${name}`)}</dt>
                <dd className="flex flex-wrap items-center gap-2">
                  {ok ? <Badge tone="success">{t("settings.operations.ok")}</Badge> : <Badge tone="danger">{t("settings.operations.unavailable")}</Badge>}
                  {ok && typeof check.latencyMs === "number" ? <span className="muted">{t("settings.operations.latency", { ms: format.number(check.latencyMs) })}</span> : null}
                  {!ok && typeof check.error === "string" ? <span className="muted">{check.error}</span> : null}
                </dd>
              </div>
            );
          })}
          <div>
            <dt className="muted">{t("settings.operations.version")}</dt>
            <dd className="font-mono">{data.version}</dd>
          </div>
        </dl>
      ) : null}
    </section>
  );
}

/** datetime-local (the browser's time zone) → ISO UTC, or null. */
function toIso(local: string): string | null {
  if (!local) return null;
  const when = new Date(local);
  return Number.isNaN(when.getTime()) ? null : when.toISOString();
}

function MaintenanceCard() {
  const { t } = useTranslation();
  const format = useFormat();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const isAdmin = useIsAdmin();
  const ids = { message: useId(), until: useId() };
  const [message, setMessage] = useState("");
  const [until, setUntil] = useState("");
  const [errors, setErrors] = useState<{ message?: string; until?: string }>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const state = useQuery({
    queryKey: ["maintenance"],
    queryFn: async () => unwrap(await api.GET("/api/maintenance")),
    enabled: isAdmin,
  });
  const on = state.data?.enabled === true;

  const toggle = async (enabled: boolean) => {
    setBusy(true);
    setFailure(null);
    setErrors({});
    const body = enabled ? { enabled, message: message.trim() || null, until: toIso(until) } : { enabled };
    const result = await api.PUT("/api/maintenance", { body });
    setBusy(false);
    if (!result.data) {
      const error = toApiError(result.response, result.error);
      const fields = error.fieldErrors;
      if (fields.message || fields.until) setErrors({ ...(fields.message ? { message: fields.message } : {}), ...(fields.until ? { until: fields.until } : {}) });
      else setFailure(errorText(error));
      return;
    }
    queryClient.setQueryData(["maintenance"], result.data);
    await queryClient.invalidateQueries({ queryKey: ["health"] });
  };

  return (
    <section aria-labelledby="ops-maintenance" className="card flex flex-col gap-3 p-4">
      <h3 id="ops-maintenance" className="font-semibold">
        {t("settings.operations.maintenance")}
      </h3>
      {state.error ? <ErrorMessage error={state.error} /> : null}
      {state.data ? (
        <p role="status" className="text-sm">
          {on ? (
            <>
              <Badge tone="warning">{t("settings.operations.maintenanceOn")}</Badge> {state.data.message}{" "}
              <span className="muted">
                {state.data.until ? t("settings.operations.until", { at: format.dateTime(state.data.until) }) : t("settings.operations.untilOff")}
                {state.data.by ? ` · ${t("settings.operations.by", { by: state.data.by })}` : ""}
              </span>
            </>
          ) : (
            <Badge tone="success">{t("settings.operations.maintenanceOff")}</Badge>
          )}
        </p>
      ) : null}
      {on ? (
        <div>
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void toggle(false)}>
            {t("settings.operations.turnOff")}
          </button>
        </div>
      ) : (
        <form
          noValidate
          className="flex flex-col gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            void toggle(true);
          }}
        >
          <p className="text-sm muted">{t("settings.operations.maintenanceHelp")}</p>
          <div>
            <label htmlFor={ids.message} className="label">
              {t("settings.operations.message")}
            </label>
            <textarea id={ids.message} className="input" rows={2} maxLength={500} value={message} aria-invalid={!!errors.message} aria-describedby={errors.message ? `${ids.message}-error` : undefined} onChange={(e) => setMessage(e.target.value)} />
            {errors.message ? (
              <p id={`${ids.message}-error`} className="field-error">
                {errors.message}
              </p>
            ) : null}
          </div>
          <div className="w-72">
            <label htmlFor={ids.until} className="label">
              {t("settings.operations.endsAt")}
            </label>
            <input id={ids.until} type="datetime-local" className="input" value={until} aria-invalid={!!errors.until} aria-describedby={`${ids.until}-hint${errors.until ? ` ${ids.until}-error` : ""}`} onChange={(e) => setUntil(e.target.value)} />
            <p id={`${ids.until}-hint`} className="mt-1 text-xs muted">
              {t("settings.operations.endsAtHint")}
            </p>
            {errors.until ? (
              <p id={`${ids.until}-error`} className="field-error">
                {errors.until}
              </p>
            ) : null}
          </div>
          {failure ? <Alert>{failure}</Alert> : null}
          <div>
            <button type="submit" className="btn btn-danger" disabled={busy}>
              {t("settings.operations.turnOn")}
            </button>
          </div>
        </form>
      )}
      {on && failure ? <Alert>{failure}</Alert> : null}
    </section>
  );
}

function BackupsCard() {
  const { t } = useTranslation();
  const format = useFormat();
  const isAdmin = useIsAdmin();
  const backups = useQuery({
    queryKey: ["backups"],
    queryFn: async () => unwrap(await api.GET("/api/backups", { params: { query: { limit: 10 } } })),
    enabled: isAdmin,
  });
  const tone = { complete: "success", incomplete: "warning", unreadable: "danger" } as const;
  return (
    <section aria-labelledby="ops-backups" className="flex flex-col gap-3">
      <h3 id="ops-backups" className="font-semibold">
        {t("settings.operations.backups")}
      </h3>
      <p className="text-sm muted">{t("settings.operations.backupsHelp")}</p>
      {backups.error ? <ErrorMessage error={backups.error} /> : null}
      {backups.isLoading ? (
        <Loading />
      ) : (
        <TableShell
          caption={t("settings.operations.backupsCaption")}
          columns={[t("settings.operations.backup"), t("settings.operations.kind"), t("settings.operations.status"), t("settings.operations.started"), t("settings.operations.finished"), t("settings.operations.documents"), t("settings.operations.size")]}
        >
          {(backups.data ?? []).map((backup) => (
            <tr key={backup.id}>
              <td className={`${TD} font-mono text-xs`}>
                {backup.id}
                {backup.note ? <span className="block font-sans muted">{backup.note}</span> : null}
              </td>
              <td className={TD}>{backup.kind ? t(`settings.operations.kinds.${backup.kind}`, { defaultValue: backup.kind }) : ""}</td>
              <td className={TD}>
                <Badge tone={tone[backup.status as keyof typeof tone] ?? "neutral"}>{t(`settings.operations.statuses.${backup.status}`, { defaultValue: backup.status })}</Badge>
              </td>
              <td className={TD}>{format.dateTime(backup.startedAt)}</td>
              <td className={TD}>{format.dateTime(backup.finishedAt)}</td>
              <td className={TD}>{format.number(backup.documents)}</td>
              <td className={TD}>{format.bytes(backup.archiveBytes)}</td>
            </tr>
          ))}
          {backups.data && backups.data.length === 0 ? <EmptyRow colSpan={7}>{t("settings.operations.noBackups")}</EmptyRow> : null}
        </TableShell>
      )}
    </section>
  );
}

/** Operations (admins): read-only views of what the operator CLI does, and the maintenance switch. */
export default function OperationsSettings() {
  return (
    <Section id="operations" adminOnly>
      <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
        <HealthCard />
        <MaintenanceCard />
      </div>
      <BackupsCard />
    </Section>
  );
}
