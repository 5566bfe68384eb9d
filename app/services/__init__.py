"""Commands that apply the domain rules to the database, each in one transaction."""
