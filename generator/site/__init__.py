"""Page making: Archive + Config → every page and feed, planned with a fingerprint and rendered on demand."""
