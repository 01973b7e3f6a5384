"""The reports' adapters: SQL over the services' schemas, the population and routing files,
the library directory, and the CSV, JSON and HTML forms of the reports."""
