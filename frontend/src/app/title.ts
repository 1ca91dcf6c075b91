import { useEffect } from "react";
import { useTranslation } from "react-i18next";

/** Sets the document title ("<page> · FETMS") for the current page. */
export function usePageTitle(title: string): void {
  const { t } = useTranslation();
  useEffect(() => {
    document.title = t("app.documentTitle", { page: title });
  }, [title, t]);
}
