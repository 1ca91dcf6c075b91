import { useState } from "react";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { z } from "zod";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { api } from "../api/client";
import { toApiError } from "../api/errors";
import { forgetSession } from "../api/session";
import { Field } from "../components/ui/Field";
import { Alert } from "../components/ui/Alert";
import { useErrorText } from "../components/ui/ErrorMessage";
import { usePageTitle } from "../app/title";

const schema = z
  .object({
    currentPassword: z.string().min(1, "validation.required"),
    newPassword: z.string().min(12, "validation.passwordLength"),
    confirm: z.string(),
  })
  .refine((v) => v.newPassword === v.confirm, { path: ["confirm"], message: "validation.passwordMismatch" });
type Values = z.infer<typeof schema>;

export default function ChangePasswordPage() {
  const { t } = useTranslation();
  const title = t("account.changePassword");
  usePageTitle(title);
  const errorText = useErrorText();
  const navigate = useNavigate();
  const [failure, setFailure] = useState<string | null>(null);
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { currentPassword: "", newPassword: "", confirm: "" } });
  const errors = form.formState.errors;
  const message = (key?: string) => (key ? t(key) : undefined);

  const onSubmit = form.handleSubmit(async (values) => {
    setFailure(null);
    const result = await api.POST("/api/auth/password", {
      body: { currentPassword: values.currentPassword, newPassword: values.newPassword },
    });
    if (!result.response.ok) {
      const error = toApiError(result.response, result.error);
      const fieldMessage = error.fieldErrors.newPassword;
      if (fieldMessage) form.setError("newPassword", { message: fieldMessage });
      else setFailure(errorText(error));
      return;
    }
    // Changing the password ends every session, this one included: sign in again.
    forgetSession();
    navigate("/login", { replace: true });
  });

  return (
    <section aria-labelledby="page-title" className="max-w-md">
      <h1 id="page-title" className="mb-4 text-2xl font-bold">
        {title}
      </h1>
      <p className="mb-4 muted">{t("account.passwordHelp")}</p>
      <form noValidate onSubmit={onSubmit} className="card flex flex-col gap-4 p-5">
        <Field label={t("account.currentPassword")} error={message(errors.currentPassword?.message)}>
          {(p) => <input {...p} {...form.register("currentPassword")} type="password" autoComplete="current-password" className="input" />}
        </Field>
        <Field label={t("account.newPassword")} error={message(errors.newPassword?.message)}>
          {(p) => <input {...p} {...form.register("newPassword")} type="password" autoComplete="new-password" className="input" />}
        </Field>
        <Field label={t("account.confirmPassword")} error={message(errors.confirm?.message)}>
          {(p) => <input {...p} {...form.register("confirm")} type="password" autoComplete="new-password" className="input" />}
        </Field>
        {failure ? <Alert>{failure}</Alert> : null}
        <button type="submit" className="btn btn-primary self-start" disabled={form.formState.isSubmitting}>
          {t("account.savePassword")}
        </button>
      </form>
    </section>
  );
}
