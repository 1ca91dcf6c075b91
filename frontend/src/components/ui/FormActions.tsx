import { useTranslation } from "react-i18next";
import { Alert } from "./Alert";

/** A form's general error (one not tied to a field), then Cancel and Save. */
export function FormActions({ failure, busy, onCancel, saveLabel, className }: { failure: string | null; busy: boolean; onCancel: () => void; saveLabel?: string; className?: string }) {
  const { t } = useTranslation();
  return (
    <>
      {failure ? (
        <div className={className}>
          <Alert>{failure}</Alert>
        </div>
      ) : null}
      <div className={`flex justify-end gap-2 ${className ?? ""}`}>
        <button type="button" className="btn" onClick={onCancel}>
          {t("common.cancel")}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {saveLabel ?? t("common.save")}
        </button>
      </div>
    </>
  );
}
