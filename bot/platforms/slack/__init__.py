"""The Slack adapter: translate (payloads in), render (Block Kit out), the Bolt app."""
