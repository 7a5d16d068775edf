"""One module per open-data source; each turns a real file into records with provenance."""
