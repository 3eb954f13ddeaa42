"""My documents: a citizen's civil documents and their children's."""
