import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { usePageTitle } from "../app/title";

export default function NotFoundPage() {
  const { t } = useTranslation();
  usePageTitle(t("notFound.title"));
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" className="mb-4 text-2xl font-bold">
        {t("notFound.title")}
      </h1>
      <Link to="/" className="link">
        {t("notFound.goToDashboard")}
      </Link>
    </section>
  );
}
