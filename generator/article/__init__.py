"""Per-article work: one input file's bytes → its Article and Content. Everything here runs once per
file (cached, in parallel); the code of these modules is part of the article cache's key."""
