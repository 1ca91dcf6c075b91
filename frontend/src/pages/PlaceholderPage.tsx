import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { usePageTitle } from "../app/title";

type Area = "dashboard" | "schools" | "documents" | "settings";

/** Screens that the next release fills (issue 11): a title and a way to the daily work. */
export default function PlaceholderPage({ area }: { area: Area }) {
  const { t } = useTranslation();
  const title = t(`nav.${area}`);
  usePageTitle(title);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" className="mb-4 text-2xl font-bold">
        {title}
      </h1>
      <div className="card max-w-xl p-5">
        <p className="mb-3">{t("placeholder.body")}</p>
        <Link to="/teachers" className="link">
          {t("placeholder.goToTeachers")}
        </Link>
      </div>
    </section>
  );
}
