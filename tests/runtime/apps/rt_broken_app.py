"""An app module whose import fails, as a user's app might in production."""

raise ImportError("No module named 'missing_dependency' (simulated)")
