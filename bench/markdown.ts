/** Replaces the section whose heading is `section[0]` in a markdown document (or appends it), leaving the rest. */
export function replaceMarkdownSection(doc: string, section: string[]): string {
  const lines = doc.split("\n");
  const start = lines.indexOf(section[0]!);
  if (start < 0) return `${doc.replace(/\n*$/, "\n\n")}${section.join("\n")}\n`;
  let end = lines.findIndex((l, k) => k > start && l.startsWith("## "));
  if (end < 0) end = lines.length;
  return [...lines.slice(0, start), ...section, ...lines.slice(end)].join("\n");
}
