// Splits an image reference pinned by digest into the parts the chart takes
// (`image.repository` + `image.digest`; the digest wins over any tag).

export interface ImageReference {
  repository: string;
  tag?: string;
  digest: string;
}

export function parseImageReference(reference: string): ImageReference {
  const at = reference.indexOf('@');
  if (at < 0) throw new Error(`image reference '${reference}' has no @sha256: digest`);
  const name = reference.slice(0, at);
  const digest = reference.slice(at + 1);
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) {
    throw new Error(`image reference '${reference}' has an invalid digest '${digest}'`);
  }
  // A ':' after the last '/' separates a tag; one before it belongs to a registry port.
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  if (colon < 0) return { repository: name, digest };
  return { repository: name.slice(0, colon), tag: name.slice(colon + 1), digest };
}
