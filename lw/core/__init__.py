"""Provider-neutral core: config, plugin system, packaging and plan/apply."""
