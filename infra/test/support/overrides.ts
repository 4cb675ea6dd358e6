// One shared override run of the dev stack (pinned image + custom domain), so the files that
// check those behaviours reuse a single cached mock run.
export const PINNED_IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello-dev@sha256:${'e'.repeat(64)}`;
export const CUSTOM_DOMAIN = {
  'high-available-server:image': PINNED_IMAGE,
  'high-available-server:domain': 'hello.example.com',
  'high-available-server:certificateArn': 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
  'high-available-server:hostedZoneId': 'Z0123456789ABC',
};
