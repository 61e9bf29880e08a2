// allowed_nodes of an admin mount: ad-hoc node names the escape hatch may
// run. `*` stands for any run of characters; everything else is literal, so
// "http://jabber.org/protocol/admin#get-*" admits the read-only user lists
// and nothing else.

export function nodeMatcher(patterns: readonly string[]): (node: string) => boolean {
  const compiled = patterns.map(
    (pattern) => new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's'),
  );
  return (node) => compiled.some((pattern) => pattern.test(node));
}
