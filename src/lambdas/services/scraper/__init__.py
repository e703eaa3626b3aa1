"""Price scraper: fetches product pages on a schedule, keeps price history, alerts on drops."""
