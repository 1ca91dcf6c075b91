import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Alert } from "./Alert";
import { Dialog } from "./Dialog";
import { Field } from "./Field";

/** What an action answers: null when done, else a message to show in the dialog. */
export type Outcome = Promise<string | null>;

type NameDialogProps = {
  open: boolean;
  title: string;
  label: string;
  initial: string;
  onSubmit: (name: string) => Outcome;
  onClose: () => void;
};

/**
 * Asks for a name (rename a box or a document): a labelled field, Save and Cancel, the error in
 * the dialog. The native modal <dialog> moves focus into it (the field) and back on close.
 */
export function NameDialog({ open, title, label, initial, onSubmit, onClose }: NameDialogProps) {
  const { t } = useTranslation();
  const [name, setName] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (open) {
      setName(initial);
      setError(null);
    }
  }, [open, initial]);
  const empty = !name.trim();
  return (
    <Dialog open={open} title={title} onClose={onClose}>
      <form
        noValidate
        className="flex flex-col gap-3"
        onSubmit={async (event) => {
          event.preventDefault();
          if (empty) {
            setError(t("validation.required"));
            return;
          }
          setBusy(true);
          const failure = await onSubmit(name.trim());
          setBusy(false);
          if (failure) setError(failure);
          else onClose();
        }}
      >
        <Field label={label} error={error && empty ? error : undefined}>
          {(props) => <input {...props} className="input" value={name} autoComplete="off" onChange={(e) => setName(e.target.value)} />}
        </Field>
        {error && !empty ? <Alert>{error}</Alert> : null}
        <div className="flex justify-end gap-2">
          <button type="button" className="btn" onClick={onClose}>
            {t("common.cancel")}
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {t("common.save")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

type ConfirmDialogProps = {
  open: boolean;
  title: string;
  description: string;
  confirmLabel: string;
  onConfirm: () => Outcome;
  onClose: () => void;
};

/** A destructive action's confirmation (`alertdialog`); Cancel comes first and takes the focus. */
export function ConfirmDialog({ open, title, description, confirmLabel, onConfirm, onClose }: ConfirmDialogProps) {
  const { t } = useTranslation();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (open) setError(null);
  }, [open]);
  return (
    <Dialog open={open} role="alertdialog" title={title} description={description} onClose={onClose}>
      {error ? (
        <div className="mb-3">
          <Alert>{error}</Alert>
        </div>
      ) : null}
      <div className="flex justify-end gap-2">
        <button type="button" className="btn" onClick={onClose}>
          {t("common.cancel")}
        </button>
        <button
          type="button"
          className="btn btn-danger"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            const failure = await onConfirm();
            setBusy(false);
            if (failure) setError(failure);
            else onClose();
          }}
        >
          {confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
