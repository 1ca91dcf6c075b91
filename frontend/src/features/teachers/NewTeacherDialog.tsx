import { useState } from "react";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { z } from "zod";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { toApiError } from "../../api/errors";
import type { TeacherCreate } from "../../api/types";
import { Dialog } from "../../components/ui/Dialog";
import { Field } from "../../components/ui/Field";
import { FormActions } from "../../components/ui/FormActions";
import { useErrorText } from "../../components/ui/ErrorMessage";
import { applyFieldErrors } from "./applyErrors";
import { GENDERS, HIRING_STATUSES } from "./filters";
import { useSchools, useStages } from "./lookups";
import { SchoolOptions, StageOptions } from "./options";

// Client checks stay light (required fields); the API is the authority and its field errors
// (invalid e-mail, duplicate e-mail, ...) are shown next to the fields.
const schema = z.object({
  firstName: z.string().trim().min(1, "validation.required"),
  lastName: z.string().trim().min(1, "validation.required"),
  email: z.string().trim().min(1, "validation.required"),
  middleName: z.string(),
  nationality: z.string(),
  gender: z.string(),
  phone: z.string(),
  hiringStatus: z.string(),
  school: z.string(),
  pipelineStage: z.string(),
});
type Values = z.infer<typeof schema>;
type PersonalInfo = NonNullable<TeacherCreate["personalInfo"]>;

const SERVER_FIELDS: Record<string, keyof Values> = {
  firstName: "firstName",
  lastName: "lastName",
  email: "email",
  middleName: "middleName",
  "personalInfo.nationality.english": "nationality",
  "personalInfo.gender": "gender",
  "personalInfo.phone": "phone",
  "personalInfo.hiringStatus": "hiringStatus",
  school: "school",
  pipelineStage: "pipelineStage",
};

export function NewTeacherDialog({ open, onClose, projectId }: { open: boolean; onClose: () => void; projectId: string | null }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const stages = useStages().data ?? [];
  const schools = useSchools().data ?? [];
  const [failure, setFailure] = useState<string | null>(null);
  const empty: Values = { firstName: "", lastName: "", email: "", middleName: "", nationality: "", gender: "", phone: "", hiringStatus: "", school: "", pipelineStage: "" };
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: empty });
  const errors = form.formState.errors;
  const message = (key?: string) => (key ? t(key, { defaultValue: key }) : undefined);

  const close = () => {
    form.reset(empty);
    setFailure(null);
    onClose();
  };

  const onSubmit = form.handleSubmit(async (v) => {
    setFailure(null);
    const body: TeacherCreate = {
      firstName: v.firstName,
      lastName: v.lastName,
      email: v.email,
      personalInfo: {
        nationality: v.nationality ? { english: v.nationality } : null,
        gender: (v.gender || null) as PersonalInfo["gender"],
        phone: v.phone || null,
        hiringStatus: (v.hiringStatus || null) as PersonalInfo["hiringStatus"],
      },
    };
    if (v.middleName) body.middleName = v.middleName;
    if (v.school) body.school = v.school;
    if (v.pipelineStage) body.pipelineStage = v.pipelineStage;
    if (projectId) body.project = projectId;
    const result = await api.POST("/api/teachers", { body });
    if (!result.data) {
      const error = toApiError(result.response, result.error);
      const mapped = Object.fromEntries(Object.entries(error.fieldErrors).map(([k, m]) => [SERVER_FIELDS[k] ?? k, m]));
      let placed = false;
      for (const [field, msg] of Object.entries(mapped)) {
        if (field in empty) {
          form.setError(field as keyof Values, { type: "server", message: msg }, { shouldFocus: !placed });
          placed = true;
        }
      }
      if (!placed) placed = applyFieldErrors(error, Object.keys(empty), form.setError);
      if (!placed) setFailure(errorText(error));
      return;
    }
    await queryClient.invalidateQueries({ queryKey: ["teachers"] });
    await queryClient.invalidateQueries({ queryKey: ["pipeline"] });
    const id = result.data._id;
    close();
    navigate(`/teachers/${id}`);
  });

  const text = (name: keyof Values, label: string, type = "text", autoComplete = "off") => (
    <Field label={label} error={message(errors[name]?.message)}>
      {(p) => <input {...p} {...form.register(name)} type={type} autoComplete={autoComplete} className="input" />}
    </Field>
  );

  return (
    <Dialog open={open} onClose={close} title={t("teachers.newTeacher")} wide>
      <form noValidate onSubmit={onSubmit} className="grid grid-cols-1 gap-4 sm:grid-cols-2">
        {text("firstName", t("fields.firstName"))}
        {text("lastName", t("fields.lastName"))}
        {text("email", t("fields.email"), "email")}
        {text("middleName", t("fields.middleName"))}
        {text("nationality", t("fields.personalInfo.nationality.english"))}
        <Field label={t("fields.personalInfo.gender")} error={message(errors.gender?.message)}>
          {(p) => (
            <select {...p} {...form.register("gender")} className="input">
              <option value="">{t("common.none")}</option>
              {GENDERS.map((g) => (
                <option key={g} value={g}>
                  {t(`values.gender.${g}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        {text("phone", t("fields.personalInfo.phone"), "tel")}
        <Field label={t("fields.personalInfo.hiringStatus")} error={message(errors.hiringStatus?.message)}>
          {(p) => (
            <select {...p} {...form.register("hiringStatus")} className="input">
              <option value="">{t("common.none")}</option>
              {HIRING_STATUSES.map((h) => (
                <option key={h} value={h}>
                  {t(`values.hiringStatus.${h}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t("fields.school")} error={message(errors.school?.message)}>
          {(p) => (
            <select {...p} {...form.register("school")} className="input">
              <SchoolOptions schools={schools} />
            </select>
          )}
        </Field>
        <Field label={t("fields.pipelineStage")} error={message(errors.pipelineStage?.message)}>
          {(p) => (
            <select {...p} {...form.register("pipelineStage")} className="input">
              <StageOptions stages={stages} />
            </select>
          )}
        </Field>
        <FormActions failure={failure} busy={form.formState.isSubmitting} onCancel={close} className="sm:col-span-2" />
      </form>
    </Dialog>
  );
}
