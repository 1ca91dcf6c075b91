import { useTranslation } from "react-i18next";
import { Dialog } from "../../components/ui/Dialog";

/** A presigned download link as the API returns it. */
export type Download = { url: string; contentType?: string | null; fileName: string };

/** In-page preview of a PDF (frame) or an image through its presigned URL. */
export function PreviewDialog({ file, onClose }: { file: Download | null; onClose: () => void }) {
  const { t } = useTranslation();
  const isImage = file?.contentType?.startsWith("image/");
  return (
    <Dialog open={!!file} onClose={onClose} title={t("documents.previewTitle", { name: file?.fileName ?? "" })} wide>
      {file ? (
        isImage ? (
          <img src={file.url} alt={file.fileName} className="max-h-[70vh] w-full object-contain" />
        ) : (
          <iframe src={file.url} title={file.fileName} className="h-[70vh] w-full rounded border border-slate-200" />
        )
      ) : null}
      <div className="mt-3 flex justify-end">
        <button type="button" className="btn" onClick={onClose}>
          {t("common.close")}
        </button>
      </div>
    </Dialog>
  );
}
