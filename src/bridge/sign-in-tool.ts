// The sign-in link as a tool, for IDEs that cannot show a URL (no URL elicitation) and hide stderr: listed only
// while the user signs in, and withdrawn with tools/list_changed once the server's real tools are known. Calls to it
// are always answered by mcp-tether, never passed to the server.

export const SIGN_IN_TOOL = 'mcp_tether_sign_in';

/** The tool as tools/list shows it: its description carries the link, so the user sees it without calling it. */
export function signInTool(url: string): Record<string, unknown> {
  return {
    name: SIGN_IN_TOOL,
    title: 'Sign in',
    description: `This server's tools appear once you sign in. Ask the user to open this link in a browser: ${url}`,
    inputSchema: { type: 'object', properties: {} },
  };
}

/**
 * The answer to a call of the tool: the link again, in plain words; or, once the sign-in is over (an agent that calls
 * it again after the user said "done"), that it is, so the agent lists the tools again.
 */
export function signInToolResult(state: { signingIn: boolean; url: string | undefined }): Record<string, unknown> {
  const text = !state.signingIn
    ? "Signed in. This server's tools are listed now; list the tools again to use them."
    : state.url
      ? `Sign-in required. Open this link in a browser to sign in; this server's tools appear once you have: ${state.url}`
      : 'Sign-in required. The sign-in is still starting; call this tool again in a moment for the link.';
  return { content: [{ type: 'text', text }] };
}
