"""Attack families that stay in the suite: every hole found by attacking lw has its
repro here, so that it cannot silently reopen."""
