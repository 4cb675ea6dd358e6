/** The GitHub Actions expression `${{ <inner> }}` as it appears in workflow text. */
export function expression(inner: string): string {
  return `\${{ ${inner} }}`;
}
