"""The founding document's hybrid app: HTTP routes, an S3 upload handler, a nightly job."""
