"""The writer, the only code that writes into a site folder, and its manifests."""
