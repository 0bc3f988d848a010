// A step's explanation, rendered: paragraphs, emphasis, strong, code spans, lists, code
// blocks, headings, links. Parsed with mdast-util-from-markdown; anything else shows its text.
import React, { useMemo } from 'react';
import { Box, Text } from 'ink';
import { fromMarkdown } from 'mdast-util-from-markdown';
import type { Nodes, PhrasingContent, RootContent } from 'mdast';
import { useTui } from '../context.js';

function inline(nodes: PhrasingContent[], key: string): React.ReactNode[] {
  return nodes.map((n, i) => {
    const k = `${key}.${i}`;
    switch (n.type) {
      case 'text':
        return n.value.replace(/\n/g, ' ');
      case 'emphasis':
        return <Text key={k} italic>{inline(n.children, k)}</Text>;
      case 'strong':
        return <Text key={k} bold>{inline(n.children, k)}</Text>;
      case 'delete':
        return <Text key={k} strikethrough>{inline(n.children, k)}</Text>;
      case 'inlineCode':
        return <Text key={k} color="cyan">{n.value}</Text>;
      case 'link':
        return <Text key={k} underline>{inline(n.children, k)}</Text>;
      case 'break':
        return '\n';
      default:
        return 'value' in n && typeof n.value === 'string' ? n.value : 'children' in n ? inline(n.children as PhrasingContent[], k) : '';
    }
  });
}

function block(node: RootContent, key: string, bullet: string): React.ReactNode {
  switch (node.type) {
    case 'paragraph':
      return <Text key={key} wrap="wrap">{inline(node.children, key)}</Text>;
    case 'heading':
      return <Text key={key} bold underline wrap="wrap">{inline(node.children, key)}</Text>;
    case 'list':
      return (
        <Box key={key} flexDirection="column">
          {node.children.map((item, i) => (
            <Box key={`${key}.${i}`}>
              <Text>{node.ordered ? `${(node.start ?? 1) + i}. ` : `${bullet} `}</Text>
              <Box flexDirection="column" flexShrink={1}>
                {item.children.map((c, j) => block(c, `${key}.${i}.${j}`, bullet))}
              </Box>
            </Box>
          ))}
        </Box>
      );
    case 'code':
      return <Text key={key} color="cyan" dimColor wrap="truncate-end">{node.value}</Text>;
    case 'blockquote':
      return (
        <Box key={key} flexDirection="column" paddingLeft={2}>
          {node.children.map((c, j) => block(c, `${key}.${j}`, bullet))}
        </Box>
      );
    case 'thematicBreak':
      return <Text key={key} dimColor>---</Text>;
    case 'html':
      return null; // step markers and comments are for the parser, not for people
    default:
      return <Text key={key}>{plain(node)}</Text>;
  }
}

function plain(node: Nodes): string {
  if ('value' in node && typeof node.value === 'string') return node.value;
  if ('children' in node) return (node.children as Nodes[]).map(plain).join('');
  return '';
}

export function Markdown({ source }: { source: string }): React.ReactElement {
  const { charset } = useTui();
  const tree = useMemo(() => fromMarkdown(source), [source]);
  return (
    <Box flexDirection="column" gap={0}>
      {tree.children.map((c, i) => block(c, String(i), charset.bullet))}
    </Box>
  );
}
