"""The code that ships inside every deployment package and turns invocations into calls.

Only the standard library is imported at module level anywhere under ``lw.runtime``:
its import time is the user's cold start. Public entry points live in
:mod:`lw.runtime.aws` and :mod:`lw.runtime.openwhisk`; a provider for another platform
builds its entry module on :mod:`lw.runtime.api` (neutral request in, response out).
"""
