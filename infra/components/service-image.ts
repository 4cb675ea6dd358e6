import { join } from 'node:path';
import * as aws from '@pulumi/aws';
import * as dockerBuild from '@pulumi/docker-build';
import * as pulumi from '@pulumi/pulumi';
import { parseImageReference } from '../image-reference.js';

export interface ServiceImageArgs {
  /**
   * Either an image reference pinned by digest (stack config `image`: CI builds once and every
   * later stack deploys exactly that digest), or a build of packages/service/Dockerfile with the
   * repo root as context, tagged uniquely per source content (tags are immutable).
   */
  source: { prebuilt: string } | { build: { repoRoot: string; tag: string } };
  /** Let `pulumi destroy` delete a repository that still holds images (dev only). */
  forceDelete: boolean;
  tags: Record<string, string>;
}

/** The registry box: an ECR repository (immutable tags, scan on push) and the service image in it. */
export class ServiceImage extends pulumi.ComponentResource {
  readonly repositoryUrl: pulumi.Output<string>;
  /** Where the chart pulls from; with a prebuilt image that is the prebuilt image's repository. */
  readonly imageRepository: pulumi.Output<string>;
  readonly digest: pulumi.Output<string>;

  constructor(name: string, args: ServiceImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super('high-available-server:aws:ServiceImage', name, {}, opts);

    const repository = new aws.ecr.Repository(
      name,
      {
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: 'KMS' }],
        forceDelete: args.forceDelete,
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-retention`,
      {
        repository: repository.name,
        policy: JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              description: 'keep the 30 newest images',
              selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 30 },
              action: { type: 'expire' },
            },
          ],
        }),
      },
      { parent: this },
    );
    this.repositoryUrl = repository.repositoryUrl;

    if ('prebuilt' in args.source) {
      const prebuilt = parseImageReference(args.source.prebuilt);
      this.imageRepository = pulumi.output(prebuilt.repository);
      this.digest = pulumi.output(prebuilt.digest);
    } else {
      const { repoRoot, tag } = args.source.build;
      const auth = aws.ecr.getAuthorizationTokenOutput(
        { registryId: repository.registryId },
        { parent: this },
      );
      const image = new dockerBuild.Image(
        name,
        {
          context: { location: repoRoot },
          dockerfile: { location: join(repoRoot, 'packages/service/Dockerfile') },
          platforms: [dockerBuild.Platform.Linux_amd64],
          tags: [pulumi.interpolate`${repository.repositoryUrl}:${tag}`],
          push: true,
          // A preview need not spend minutes building; `up` builds and pushes.
          buildOnPreview: false,
          registries: [
            {
              address: repository.repositoryUrl,
              username: auth.userName,
              password: pulumi.secret(auth.password),
            },
          ],
        },
        { parent: this },
      );
      this.imageRepository = repository.repositoryUrl;
      this.digest = image.digest;
    }
    this.registerOutputs({ repositoryUrl: this.repositoryUrl, digest: this.digest });
  }
}
