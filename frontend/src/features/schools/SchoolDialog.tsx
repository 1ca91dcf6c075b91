import { useEffect, useState } from "react";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { z } from "zod";
import { useTranslation } from "react-i18next";
import { useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { toApiError } from "../../api/errors";
import type { School, SchoolCreate } from "../../api/types";
import { Dialog } from "../../components/ui/Dialog";
import { Field } from "../../components/ui/Field";
import { FormActions } from "../../components/ui/FormActions";
import { useErrorText } from "../../components/ui/ErrorMessage";

const schema = z.object({
  chinese: z.string().trim().min(1, "validation.required"),
  english: z.string().trim(),
  addressChinese: z.string().trim(),
  addressEnglish: z.string().trim(),
  principalChinese: z.string().trim(),
  principalEnglish: z.string().trim(),
  contactName: z.string().trim(),
  contactPosition: z.string().trim(),
  contactEmail: z.string().trim(),
  contactPhone: z.string().trim(),
});
type Values = z.infer<typeof schema>;

/** The API's field paths (problem+json `errors[].field`) → this form's fields. */
const SERVER_FIELDS: Record<string, keyof Values> = {
  "name.chinese": "chinese",
  "name.english": "english",
  "address.chinese": "addressChinese",
  "address.english": "addressEnglish",
  "principal.chineseName": "principalChinese",
  "principal.englishName": "principalEnglish",
  "contact.name": "contactName",
  "contact.position": "contactPosition",
  "contact.email": "contactEmail",
  "contact.phone": "contactPhone",
};

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function valuesOf(school: School | null): Values {
  const name = school?.name ?? {};
  const address = school?.address ?? {};
  const principal = school?.principal ?? {};
  const contact = school?.contact ?? {};
  return {
    chinese: text(name.chinese),
    english: text(name.english),
    addressChinese: text(address.chinese),
    addressEnglish: text(address.english),
    principalChinese: text(principal.chineseName),
    principalEnglish: text(principal.englishName),
    contactName: text(contact.name),
    contactPosition: text(contact.position),
    contactEmail: text(contact.email),
    contactPhone: text(contact.phone),
  };
}

const orNull = (value: string) => value || null;

function toBody(v: Values): SchoolCreate {
  return {
    name: { chinese: v.chinese, english: orNull(v.english) },
    address: { chinese: orNull(v.addressChinese), english: orNull(v.addressEnglish) },
    principal: { chineseName: orNull(v.principalChinese), englishName: orNull(v.principalEnglish) },
    contact: { name: orNull(v.contactName), position: orNull(v.contactPosition), email: orNull(v.contactEmail), phone: orNull(v.contactPhone) },
  };
}

type Props = {
  open: boolean;
  /** The school to edit; null creates one. */
  school: School | null;
  onClose: () => void;
  onSaved: (school: School) => void;
};

/** Create or edit a school: names, address, principal and contact; the API's field errors in place. */
export function SchoolDialog({ open, school, onClose, onSaved }: Props) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const errorText = useErrorText();
  const [failure, setFailure] = useState<string | null>(null);
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: valuesOf(school) });
  const errors = form.formState.errors;
  const { reset } = form;
  useEffect(() => {
    if (open) {
      reset(valuesOf(school));
      setFailure(null);
    }
  }, [open, school, reset]);

  const onSubmit = form.handleSubmit(async (values) => {
    setFailure(null);
    const body = toBody(values);
    const result = school
      ? await api.PUT("/api/schools/{id}", {
          params: { path: { id: school._id }, header: { "If-Match": String(school.__v ?? 0) } },
          body,
        })
      : await api.POST("/api/schools", { body });
    if (!result.data) {
      const error = toApiError(result.response, result.error);
      let placed = false;
      for (const [field, message] of Object.entries(error.fieldErrors)) {
        const mine = SERVER_FIELDS[field];
        if (mine) {
          form.setError(mine, { type: "server", message }, { shouldFocus: !placed });
          placed = true;
        }
      }
      if (!placed) setFailure(errorText(error));
      return;
    }
    await queryClient.invalidateQueries({ queryKey: ["schools"] });
    onSaved(result.data);
    onClose();
  });

  const input = (name: keyof Values, label: string, type = "text") => (
    <Field label={label} error={errors[name]?.message ? t(errors[name].message, { defaultValue: errors[name].message }) : undefined}>
      {(p) => <input {...p} {...form.register(name)} type={type} autoComplete="off" className="input" />}
    </Field>
  );

  return (
    <Dialog open={open} onClose={onClose} title={school ? t("schools.editTitle") : t("schools.newSchool")} wide>
      <form noValidate onSubmit={onSubmit} className="grid grid-cols-1 gap-4 sm:grid-cols-2">
        {input("chinese", t("schools.fields.chinese"))}
        {input("english", t("schools.fields.english"))}
        {input("addressChinese", t("schools.fields.addressChinese"))}
        {input("addressEnglish", t("schools.fields.addressEnglish"))}
        {input("principalChinese", t("schools.fields.principalChinese"))}
        {input("principalEnglish", t("schools.fields.principalEnglish"))}
        {input("contactName", t("schools.fields.contactName"))}
        {input("contactPosition", t("schools.fields.contactPosition"))}
        {input("contactEmail", t("schools.fields.contactEmail"), "email")}
        {input("contactPhone", t("schools.fields.contactPhone"), "tel")}
        <FormActions failure={failure} busy={form.formState.isSubmitting} onCancel={onClose} className="sm:col-span-2" />
      </form>
    </Dialog>
  );
}
