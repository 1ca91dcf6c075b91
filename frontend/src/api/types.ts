/** Names for the generated OpenAPI shapes (aliases only: nothing about responses is typed by hand). */
import type { components, paths } from "./schema";

type Schemas = components["schemas"];
export type Teacher = Schemas["TeacherOut"];
export type TeacherUpdate = Schemas["TeacherUpdate"];
export type TeacherCreate = Schemas["TeacherCreate"];
export type TokenOut = Schemas["TokenOut"];
export type User = Schemas["UserOut"];
export type Project = Schemas["ProjectOut"];
export type Stage = Schemas["StageOut"];
export type School = Schemas["SchoolOut"];
export type PipelineColumn = Schemas["PipelineColumnOut"];
export type PipelineCard = Schemas["PipelineCardOut"];
export type Health = Schemas["HealthOut"];
export type Problem = Schemas["Problem"];
export type UploadOut = Schemas["UploadOut"];
export type TeacherFiles = Schemas["TeacherFilesOut"];
export type DocumentHistoryEntry = Schemas["DocumentHistoryOut"];
export type CoreDocument = Schemas["CoreDocumentOut"];
export type DocumentBox = Schemas["DocumentBoxOut"];
export type AdhocDocument = Schemas["AdhocDocumentOut"];
export type StageHistoryEntry = Schemas["StageHistoryOut"];
export type TeacherListQuery = NonNullable<paths["/api/teachers"]["get"]["parameters"]["query"]>;
export type SortField = NonNullable<TeacherListQuery["sort"]>;
export type UploadKind = Schemas["UploadCreate"]["kind"];
export type CoreType = "passport" | "arc" | "contract" | "workPermit";
export const CORE_TYPES: readonly CoreType[] = ["passport", "arc", "contract", "workPermit"];
