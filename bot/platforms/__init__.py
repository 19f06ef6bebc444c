"""Platform adapters: each one translates payloads in and renders replies out."""
