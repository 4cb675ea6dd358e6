// A small evaluator of AWS WAF web ACLs, for the statements our own ACLs use: enough to ask
// "what does this ACL, as registered, do with this request?". It follows WAF's documented
// semantics (rules in priority order, first terminating action wins, else the default action)
// and throws on anything it does not model, so an ACL it cannot judge fails the test instead
// of passing it.

// biome-ignore lint/suspicious/noExplicitAny: WAF statements are free-form provider inputs.
type Json = any;

export interface WafRequest {
  /** Header names as sent; WAF matches them case-insensitively. */
  headers: Record<string, string>;
}

export type WafAction = 'ALLOW' | 'BLOCK';

function transform(value: string, transformations: Json[]): string {
  return [...(transformations ?? [])]
    .sort((a, b) => a.priority - b.priority)
    .reduce((text: string, t: Json) => {
      if (t.type === 'NONE') return text;
      if (t.type === 'LOWERCASE') return text.toLowerCase();
      throw new Error(`waf-evaluate: text transformation ${t.type} is not modelled`);
    }, value);
}

function fieldValue(fieldToMatch: Json, request: WafRequest): string | undefined {
  if (fieldToMatch?.singleHeader) {
    const wanted = String(fieldToMatch.singleHeader.name);
    if (wanted !== wanted.toLowerCase()) {
      // WAF's API documents singleHeader names as lower case; a mixed-case name never matches.
      throw new Error(`waf-evaluate: singleHeader name '${wanted}' must be lower case`);
    }
    const entry = Object.entries(request.headers).find(([name]) => name.toLowerCase() === wanted);
    return entry?.[1];
  }
  throw new Error(`waf-evaluate: fieldToMatch ${JSON.stringify(fieldToMatch)} is not modelled`);
}

function matches(statement: Json, request: WafRequest): boolean {
  if (statement.byteMatchStatement) {
    const s = statement.byteMatchStatement;
    const raw = fieldValue(s.fieldToMatch, request);
    if (raw === undefined) return false;
    const value = transform(raw, s.textTransformations);
    const needle = String(s.searchString);
    switch (s.positionalConstraint) {
      case 'EXACTLY':
        return value === needle;
      case 'STARTS_WITH':
        return value.startsWith(needle);
      case 'ENDS_WITH':
        return value.endsWith(needle);
      case 'CONTAINS':
        return value.includes(needle);
      default:
        throw new Error(`waf-evaluate: positionalConstraint ${s.positionalConstraint} is not modelled`);
    }
  }
  if (statement.notStatement) return !matches(statement.notStatement.statement, request);
  if (statement.andStatement) {
    return statement.andStatement.statements.every((s: Json) => matches(s, request));
  }
  if (statement.orStatement) return statement.orStatement.statements.some((s: Json) => matches(s, request));
  throw new Error(`waf-evaluate: statement ${Object.keys(statement).join(', ')} is not modelled`);
}

function terminating(action: Json): WafAction | undefined {
  if (action?.allow) return 'ALLOW';
  if (action?.block) return 'BLOCK';
  if (action?.count) return undefined;
  throw new Error(`waf-evaluate: rule action ${JSON.stringify(action)} is not modelled`);
}

/** What the web ACL (its registered inputs) does with the request. */
export function evaluateWebAcl(acl: Json, request: WafRequest): WafAction {
  const rules = [...(acl.rules ?? [])].sort((a: Json, b: Json) => a.priority - b.priority);
  for (const rule of rules) {
    if (rule.overrideAction || rule.ruleLabels?.length) {
      throw new Error(`waf-evaluate: rule ${rule.name} uses rule groups or labels, not modelled`);
    }
    if (matches(rule.statement, request)) {
      const action = terminating(rule.action);
      if (action) return action;
    }
  }
  const fallback = terminating(acl.defaultAction);
  if (!fallback) throw new Error('waf-evaluate: a default action must allow or block');
  return fallback;
}
