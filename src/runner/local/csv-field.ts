/** RFC 4180: a field holding a comma, a quote, CR or LF is quoted, its quotes doubled; any other is written as it is. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
