import { useEffect, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { allPages } from "../../api/pages";
import { toApiError } from "../../api/errors";
import type { AdminUser, Role } from "../../api/types";
import { useAuth } from "../../app/auth";
import { Outcome } from "../../components/ui/Alert";
import { Dialog } from "../../components/ui/Dialog";
import { ErrorMessage, useErrorText } from "../../components/ui/ErrorMessage";
import { Field } from "../../components/ui/Field";
import { FormDialog } from "../../components/ui/FormDialog";
import { ConfirmDialog } from "../../components/ui/Prompts";
import { Loading } from "../../components/ui/Spinner";
import { Badge, EmptyRow, TableShell, TD } from "../../components/ui/Table";
import { useFormat } from "../../i18n/format";
import { Section, useCanAdminister, useIsAdmin } from "../../features/settings/Section";

const ROLES: readonly Role[] = ["viewer", "editor", "admin"];
type Draft = { name: string; email: string; role: Role };

/** A password shown once (after creating a user or resetting one): select and copy it now. */
function PasswordDialog({ shown, onClose }: { shown: { user: AdminUser; password: string } | null; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Dialog open={shown !== null} onClose={onClose} role="alertdialog" title={t("settings.users.passwordTitle", { name: shown?.user.name ?? "" })} description={t("settings.users.passwordOnce")}>
      <Field label={t("settings.users.passwordLabel", { email: shown?.user.email ?? "" })}>
        {(p) => <input {...p} readOnly className="input font-mono" value={shown?.password ?? ""} onFocus={(e) => e.target.select()} />}
      </Field>
      <div className="mt-4 flex justify-end">
        <button type="button" className="btn btn-primary" onClick={onClose}>
          {t("settings.users.passwordDone")}
        </button>
      </div>
    </Dialog>
  );
}

function NewUserDialog({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (user: AdminUser, password: string | null) => void }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const [draft, setDraft] = useState<Draft>({ name: "", email: "", role: "editor" });
  const [errors, setErrors] = useState<Partial<Record<keyof Draft, string>>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (open) {
      setDraft({ name: "", email: "", role: "editor" });
      setErrors({});
      setFailure(null);
    }
  }, [open]);
  const submit = async () => {
    const local: Partial<Record<keyof Draft, string>> = {};
    if (!draft.name.trim()) local.name = t("validation.required");
    if (!draft.email.trim()) local.email = t("validation.required");
    setErrors(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    setFailure(null);
    const result = await api.POST("/api/users", { body: { name: draft.name.trim(), email: draft.email.trim(), role: draft.role } });
    setBusy(false);
    if (!result.data) {
      const error = toApiError(result.response, result.error);
      const placed: Partial<Record<keyof Draft, string>> = {};
      for (const key of ["name", "email", "role"] as const) if (error.fieldErrors[key]) placed[key] = error.fieldErrors[key];
      setErrors(placed);
      if (!Object.keys(placed).length) setFailure(errorText(error));
      return;
    }
    const { generatedPassword, ...user } = result.data;
    onCreated({ ...user, lockedUntil: null }, generatedPassword ?? null);
    onClose();
  };
  return (
    <FormDialog open={open} onClose={onClose} title={t("settings.users.new")} onSubmit={submit} failure={failure} busy={busy} saveLabel={t("settings.users.create")}>
      <Field label={t("settings.users.name")} error={errors.name}>
        {(p) => <input {...p} className="input" autoComplete="off" value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />}
      </Field>
      <Field label={t("settings.users.email")} error={errors.email}>
        {(p) => <input {...p} type="email" className="input" autoComplete="off" value={draft.email} onChange={(e) => setDraft({ ...draft, email: e.target.value })} />}
      </Field>
      <Field label={t("settings.users.role")} error={errors.role} hint={t("settings.users.roleHint")}>
        {(p) => (
          <select {...p} className="input" value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value as Role })}>
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {t(`roles.${role}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <p className="text-sm muted">{t("settings.users.generatedHint")}</p>
    </FormDialog>
  );
}

/** Users (admins): list, create with a role, change role, disable/enable, reset password, unlock. */
export default function UsersSettings() {
  const { t } = useTranslation();
  const { user: me } = useAuth();
  const canEdit = useCanAdminister();
  const isAdmin = useIsAdmin();
  const format = useFormat();
  const errorText = useErrorText();
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [password, setPassword] = useState<{ user: AdminUser; password: string } | null>(null);
  const [resetting, setResetting] = useState<AdminUser | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const users = useQuery({
    queryKey: ["users"],
    queryFn: () => allPages((page) => api.GET("/api/users", { params: { query: { includeInactive: true, ...page } } })),
    enabled: isAdmin,
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["users"] });
  const done = async (result: { data?: unknown; error?: unknown; response: Response }, message: string) => {
    if (!result.data) {
      setNotice(null);
      setFailure(errorText(toApiError(result.response, result.error)));
      return;
    }
    setFailure(null);
    setNotice(message);
    await refresh();
  };
  const patch = (user: AdminUser, body: { role?: Role; active?: boolean }) =>
    api.PATCH("/api/users/{id}", { params: { path: { id: user._id }, header: { "If-Match": String(user.__v ?? 0) } }, body });
  const locked = (user: AdminUser) => !!user.lockedUntil && Date.parse(user.lockedUntil) > Date.now();

  return (
    <Section
      id="users"
      adminOnly
      create={canEdit ? { label: t("settings.users.new"), onClick: () => setCreating(true) } : null}
    >
      <Outcome notice={notice} failure={failure} />
      {users.error ? <ErrorMessage error={users.error} /> : null}
      {users.isLoading ? (
        <Loading />
      ) : (
        <TableShell
          caption={t("settings.users.caption")}
          busy={users.isFetching}
          columns={[t("settings.users.name"), t("settings.users.email"), t("settings.users.role"), t("settings.users.state"), t("settings.users.lastLogin"), canEdit && t("common.actions")]}
        >
          {(users.data ?? []).map((user) => {
            const self = user._id === me?._id;
            return (
              <tr key={user._id}>
                <td className={`${TD} font-medium`}>{user.name}</td>
                <td className={TD}>{user.email}</td>
                <td className={TD}>
                  {canEdit && !self ? (
                    <select
                      className="input w-36"
                      aria-label={t("settings.users.roleOf", { name: user.name })}
                      value={user.role}
                      onChange={(e) => {
                        const role = e.target.value as Role;
                        void patch(user, { role }).then((r) => done(r, t("settings.users.roleChanged", { name: user.name, role: t(`roles.${role}`) })));
                      }}
                    >
                      {ROLES.map((role) => (
                        <option key={role} value={role}>
                          {t(`roles.${role}`)}
                        </option>
                      ))}
                    </select>
                  ) : (
                    t(`roles.${user.role}`, { defaultValue: user.role })
                  )}
                </td>
                <td className={TD}>
                  <div className="flex flex-wrap gap-1">
                    {user.active ? <Badge tone="success">{t("settings.users.active")}</Badge> : <Badge>{t("settings.users.disabled")}</Badge>}
                    {locked(user) ? <Badge tone="danger">{t("settings.users.lockedUntil", { at: format.dateTime(user.lockedUntil) })}</Badge> : null}
                  </div>
                </td>
                <td className={TD}>{user.lastLoginAt ? format.dateTime(user.lastLoginAt) : t("settings.users.never")}</td>
                {canEdit ? (
                  <td className={`${TD} whitespace-nowrap`}>
                    <div className="flex gap-2">
                      {locked(user) ? (
                        <button type="button" className="btn btn-small" aria-label={t("settings.users.unlockNamed", { name: user.name })} onClick={() => void api.POST("/api/users/{id}/unlock", { params: { path: { id: user._id } } }).then((r) => done(r, t("settings.users.unlocked", { name: user.name })))}>
                          {t("settings.users.unlock")}
                        </button>
                      ) : null}
                      {self ? null : (
                        <>
                          <button type="button" className="btn btn-small" aria-label={t("settings.users.resetNamed", { name: user.name })} onClick={() => setResetting(user)}>
                            {t("settings.users.reset")}
                          </button>
                          <button
                            type="button"
                            className="btn btn-small"
                            aria-label={t(user.active ? "settings.users.disableNamed" : "settings.users.enableNamed", { name: user.name })}
                            onClick={() => void patch(user, { active: !user.active }).then((r) => done(r, t(user.active ? "settings.users.disabledNotice" : "settings.users.enabledNotice", { name: user.name })))}
                          >
                            {t(user.active ? "settings.users.disable" : "settings.users.enable")}
                          </button>
                        </>
                      )}
                    </div>
                  </td>
                ) : null}
              </tr>
            );
          })}
          {users.data && users.data.length === 0 ? <EmptyRow colSpan={6}>{t("settings.users.none")}</EmptyRow> : null}
        </TableShell>
      )}
      <NewUserDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(user, generated) => {
          setFailure(null);
          setNotice(t("settings.users.created", { name: user.name }));
          if (generated) setPassword({ user, password: generated });
          void refresh();
        }}
      />
      <ConfirmDialog
        open={resetting !== null}
        title={t("settings.users.resetTitle", { name: resetting?.name ?? "" })}
        description={t("settings.users.resetBody")}
        confirmLabel={t("settings.users.reset")}
        onClose={() => setResetting(null)}
        onConfirm={async () => {
          if (!resetting) return null;
          const result = await api.POST("/api/users/{id}/reset-password", { params: { path: { id: resetting._id } } });
          if (!result.data?.generatedPassword) return errorText(toApiError(result.response, result.error));
          setPassword({ user: resetting, password: result.data.generatedPassword });
          return null;
        }}
      />
      <PasswordDialog shown={password} onClose={() => setPassword(null)} />
    </Section>
  );
}
