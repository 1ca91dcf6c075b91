import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";

/** A teacher's photo through a short-lived presigned URL, or their initials. */
export function Avatar({ teacherId, picture, name, size = "h-9 w-9" }: { teacherId: string; picture: string | null | undefined; name: string; size?: string }) {
  const url = useQuery({
    queryKey: ["avatar", teacherId, picture],
    queryFn: async () =>
      unwrap(await api.GET("/api/teachers/{id}/avatar/url", { params: { path: { id: teacherId }, query: { disposition: "inline" } } })),
    enabled: !!picture,
    staleTime: 120_000,
  });
  const initials = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase())
    .join("");
  if (picture && url.data?.url) {
    return <img src={url.data.url} alt="" className={`${size} shrink-0 rounded-full object-cover`} />;
  }
  return (
    <span aria-hidden="true" className={`${size} inline-flex shrink-0 items-center justify-center rounded-full bg-blue-100 text-sm font-semibold text-blue-900 dark:bg-blue-900 dark:text-blue-100`}>
      {initials}
    </span>
  );
}
