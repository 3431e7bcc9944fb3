"""The Apache OpenWhisk provider: web actions for HTTP, triggers/rules/feeds for events."""
