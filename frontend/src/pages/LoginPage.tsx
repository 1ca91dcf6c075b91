import { useEffect, useState } from "react";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
// zod's "mini" build: the sign-in page is in the first load, and needs two required fields only.
import * as z from "zod/mini";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import { useTranslation } from "react-i18next";
import { useAuth } from "../app/auth";
import { ApiError } from "../api/errors";
import { Field } from "../components/ui/Field";
import { Alert } from "../components/ui/Alert";
import { usePageTitle } from "../app/title";
import { LANGUAGES } from "../i18n";

const schema = z.object({
  email: z.string().check(z.trim(), z.minLength(1, "validation.required")),
  password: z.string().check(z.minLength(1, "validation.required")),
});
type Values = z.infer<typeof schema>;

/** Only same-app paths are followed after sign-in (no open redirect). */
function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/teachers";
}

export default function LoginPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t("login.title"));
  const { status, signIn, ended } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const [failure, setFailure] = useState<string | null>(null);
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { email: "", password: "" } });

  useEffect(() => {
    form.setFocus("email");
  }, [form]);

  if (status === "signed-in") return <Navigate to={next} replace />;

  const onSubmit = form.handleSubmit(async (values) => {
    setFailure(null);
    try {
      await signIn(values.email, values.password);
      navigate(next, { replace: true });
    } catch (error) {
      if (error instanceof ApiError && error.status === 429) {
        setFailure(t("login.locked", { seconds: error.retryAfter ?? 60 }));
      } else if (error instanceof ApiError && error.status === 401) {
        setFailure(t("login.badCredentials"));
      } else if (error instanceof ApiError && error.status === 503) {
        setFailure(t("errors.http503"));
      } else {
        setFailure(t("errors.network"));
      }
    }
  });

  const errors = form.formState.errors;
  return (
    <main id="main" className="flex min-h-screen items-center justify-center p-4">
      <div className="card w-full max-w-sm p-6">
        <h1 className="mb-1 text-2xl font-bold">{t("app.name")}</h1>
        <p className="mb-5 muted">{t("login.title")}</p>
        {ended === "expired" && !failure ? (
          <div className="mb-4">
            <Alert tone="info">{t("login.sessionEnded")}</Alert>
          </div>
        ) : null}
        <form noValidate onSubmit={onSubmit} className="flex flex-col gap-4">
          <Field label={t("login.email")} error={errors.email?.message && t(errors.email.message)}>
            {(props) => <input {...props} {...form.register("email")} type="email" autoComplete="username" className="input" />}
          </Field>
          <Field label={t("login.password")} error={errors.password?.message && t(errors.password.message)}>
            {(props) => (
              <input {...props} {...form.register("password")} type="password" autoComplete="current-password" className="input" />
            )}
          </Field>
          {failure ? <Alert>{failure}</Alert> : null}
          <button type="submit" className="btn btn-primary justify-center" disabled={form.formState.isSubmitting}>
            {form.formState.isSubmitting ? t("login.signingIn") : t("login.signIn")}
          </button>
        </form>
        <div className="mt-6 flex justify-center gap-3 text-sm" role="group" aria-label={t("shell.language")}>
          {LANGUAGES.map((language) => (
            <button
              key={language.code}
              type="button"
              lang={language.code}
              className="link"
              aria-pressed={i18n.language === language.code}
              onClick={() => void i18n.changeLanguage(language.code)}
            >
              {language.label}
            </button>
          ))}
        </div>
      </div>
    </main>
  );
}
