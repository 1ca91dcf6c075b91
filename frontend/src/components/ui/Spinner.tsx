import { useTranslation } from "react-i18next";

export function Loading() {
  const { t } = useTranslation();
  return (
    <p role="status" className="p-4 muted">
      {t("common.loading")}
    </p>
  );
}
