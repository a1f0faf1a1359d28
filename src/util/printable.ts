/**
 * Text from a file or a flag, made safe to print on one terminal line: control characters (NUL, escape
 * sequences, newlines), C1 controls, lone surrogates and U+FFFD (what undecodable bytes become) are
 * written as \uXXXX, so garbage bytes are shown, never sent to the terminal raw.
 */
export function printable(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
