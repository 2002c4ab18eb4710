/**
 * Path globs for `--exclude` and the config's `exclude`: `*` matches within one path segment,
 * `**` any number of segments, `?` one character; everything else is literal. A pattern without
 * a slash matches the file name in any directory (as .gitignore does); one with a slash matches
 * the path given on the command line, relative to it (`fixtures/**\/*.json`).
 */
export function globMatcher(pattern: string): (path: string) => boolean {
  const anchored = pattern.includes("/");
  const body = pattern.replace(/^\.\//, "").replace(/\/+$/, "");
  let re = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "*" && body[i + 1] === "*") {
      // `**/` is any number of whole segments (none included); a trailing `**` is anything.
      if (body[i + 2] === "/") {
        re += "(?:.*/)?";
        i += 2;
      } else {
        re += ".*";
        i += 1;
      }
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  const full = new RegExp(anchored ? `^(?:\\./)?${re}(?:/.*)?$` : `(?:^|/)${re}(?:/.*)?$`);
  return (path) => full.test(path.replace(/\\/g, "/"));
}
