"""CSV ETL: sales files created under incoming/ are streamed into the sales table, with a report."""
