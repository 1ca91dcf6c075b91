import { useTranslation } from "react-i18next";
import type { School, Stage } from "../../api/types";
import { schoolName } from "./lookups";

/** The options of a school select: none, then the schools by their name in the UI language. */
export function SchoolOptions({ schools }: { schools: School[] }) {
  const { t, i18n } = useTranslation();
  return (
    <>
      <option value="">{t("common.none")}</option>
      {schools.map((s) => (
        <option key={s._id} value={s._id}>
          {schoolName(s, i18n.language)}
        </option>
      ))}
    </>
  );
}

/** The options of a stage select: Uncategorized, then the stages in order. */
export function StageOptions({ stages }: { stages: Stage[] }) {
  const { t } = useTranslation();
  return (
    <>
      <option value="">{t("kanban.uncategorized")}</option>
      {stages.map((s) => (
        <option key={s._id} value={s._id}>
          {s.title}
        </option>
      ))}
    </>
  );
}
