// `pulumi preview --policy-pack infra/policy`: the rules of rules.ts as a mandatory policy pack.
import { PolicyPack } from '@pulumi/policy';
import { SECURITY_RULES } from './rules.js';

new PolicyPack('high-available-server-security', {
  policies: SECURITY_RULES.map((rule) => ({
    name: rule.name,
    description: rule.description,
    enforcementLevel: 'mandatory',
    validateResource: (args, reportViolation) => {
      for (const message of rule.check(args.type, args.props)) reportViolation(message);
    },
  })),
});
