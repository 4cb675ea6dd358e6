import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';

const MINIKUBE_IMAGE_NAME = 'high-available-server';

export interface MinikubeImageArgs {
  repoRoot: string;
  /** minikube profile (the kube context of the same name). */
  profile: string;
  tag: string;
}

/**
 * Builds the service image straight into minikube's image store with `minikube image build`:
 * that works for every minikube driver and container runtime (docker, containerd, cri-o),
 * needs no registry, and does not depend on the caller having run `eval $(minikube docker-env)`.
 * The tag is a hash of the sources, so an unchanged tree builds nothing and a change rolls out.
 */
export class MinikubeImage extends pulumi.ComponentResource {
  readonly repository: string = MINIKUBE_IMAGE_NAME;
  readonly tag: pulumi.Output<string>;

  constructor(name: string, args: MinikubeImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super('high-available-server:minikube:Image', name, {}, opts);
    const reference = `${MINIKUBE_IMAGE_NAME}:${args.tag}`;
    const build = `minikube -p ${args.profile} image build -t ${reference} -f packages/service/Dockerfile .`;
    const built = new command.local.Command(
      name,
      { create: build, update: build, dir: args.repoRoot, triggers: [reference] },
      { parent: this },
    );
    // Read back from the command so the chart waits for the build.
    this.tag = built.stdout.apply(() => args.tag);
    this.registerOutputs({ tag: this.tag });
  }
}
