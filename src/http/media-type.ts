// Content negotiation headers, read and written: a Content-Type's media type, and an Accept header that adds the
// types a reader understands (RFC 9110 sections 8.3.1 and 12.5.1).

/** A Content-Type's media type, lower case, without parameters; undefined when there is none. */
export function mediaType(contentType: string | null): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

/** An Accept header: whatever was asked for already, then `types`, each once. */
export function accepting(accept: string | null, types: readonly string[]): string {
  return [...new Set([...(accept?.split(',').map((type) => type.trim().toLowerCase()) ?? []), ...types])].join(', ');
}
