"""AI agents as teammates: token usage and resolutions (service), the MCP server (mcp_*)."""
