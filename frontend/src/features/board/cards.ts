import type { PipelineCard, Teacher } from "../../api/types";

/** What a kanban card shows, from a pipeline card or a list row (the "load more" pages). */
export type CardView = {
  id: string;
  name: string;
  school: string;
  picture: string | null;
  expiry: { type: "arc" | "workPermit" | "passport" | "teachingLicense"; date: string } | null;
};

type Source = Pick<PipelineCard, "_id" | "firstName" | "lastName" | "profilePicture" | "personalInfo" | "arcDetails" | "workPermitDetails" | "passportDetails" | "teachingLicense"> | Teacher;

export function nearestExpiry(source: Source): CardView["expiry"] {
  const candidates: NonNullable<CardView["expiry"]>[] = [];
  const push = (type: NonNullable<CardView["expiry"]>["type"], date: string | null | undefined) => {
    if (date) candidates.push({ type, date });
  };
  push("arc", source.arcDetails?.expiryDate);
  push("workPermit", source.workPermitDetails?.expiryDate);
  push("passport", source.passportDetails?.expiryDate);
  push("teachingLicense", source.teachingLicense?.expiryDate);
  candidates.sort((a, b) => a.date.localeCompare(b.date));
  return candidates[0] ?? null;
}

export function toCard(source: Source): CardView {
  return {
    id: source._id,
    name: [source.firstName, source.lastName].filter(Boolean).join(" "),
    school: source.personalInfo?.serviceSchool ?? "",
    picture: source.profilePicture ?? null,
    expiry: nearestExpiry(source),
  };
}
