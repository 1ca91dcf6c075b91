import type { ReactNode } from "react";
import { Dialog } from "./Dialog";
import { FormActions } from "./FormActions";

type FormDialogProps = {
  open: boolean;
  title: string;
  onClose: () => void;
  onSubmit: () => Promise<void>;
  failure: string | null;
  busy: boolean;
  saveLabel?: string;
  children: ReactNode;
};

/** A dialog holding one form: its fields, a general error, Cancel and Save (Enter submits). */
export function FormDialog({ open, title, onClose, onSubmit, failure, busy, saveLabel, children }: FormDialogProps) {
  return (
    <Dialog open={open} onClose={onClose} title={title}>
      <form
        noValidate
        className="flex flex-col gap-3"
        onSubmit={(event) => {
          event.preventDefault();
          void onSubmit();
        }}
      >
        {children}
        <FormActions failure={failure} busy={busy} onCancel={onClose} {...(saveLabel ? { saveLabel } : {})} />
      </form>
    </Dialog>
  );
}
